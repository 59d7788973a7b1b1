/* gridgis map page: draws the layers embedded as JSON in #gridgis-data with Leaflet.
 *
 * Data layout: gridgis/render/map/encode.py. Every text of the data (names,
 * popups, labels, search results) is shown with textContent and never parsed
 * as HTML; the few strings handed to Leaflet's controls, which use innerHTML,
 * are escaped first. Written in ES5 so that older browsers on office PCs run it.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("gridgis-data").textContent);
  var SCALE = data.scale;
  var TEXT = data.text;
  var LABEL_FONT = "600 12px 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";
  var LABEL_LINE = 15;
  var MAX_LABELS = 400;
  var EARTH = 40075016.686;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  /* Integers written five bits a character (URL-safe base 64, sixth bit: more
   * follows), zig-zag signed: gridgis/render/map/encode.py, encode_ints. */
  var DIGITS = new Uint8Array(128);
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("").forEach(
    function (c, k) { DIGITS[c.charCodeAt(0)] = k; }
  );

  function decodeInts(text) {
    var values = new Float64Array(text.length), count = 0, value = 0, factor = 1;
    for (var k = 0; k < text.length; k++) {
      var digit = DIGITS[text.charCodeAt(k)];
      value += (digit & 31) * factor;
      if (digit & 32) {
        factor *= 32;
      } else {
        values[count++] = value % 2 ? -(value + 1) / 2 : value / 2;
        value = 0;
        factor = 1;
      }
    }
    return values.subarray(0, count);
  }

  /* A text column: a plain array, or {d: distinct values, i: index per row (-1: none)}. */
  function decodeColumn(column) {
    if (column === null || column === undefined || Array.isArray(column)) { return column; }
    var index = decodeInts(column.i);
    var values = new Array(index.length);
    for (var k = 0; k < index.length; k++) {
      values[k] = index[k] < 0 ? null : column.d[index[k]];
    }
    return values;
  }

  /* Delta-coded integer pairs (1e-5 degree) to LatLngs. */
  function decodePoints(text) {
    var xy = decodeInts(text), points = new Array(xy.length / 2), x = 0, y = 0;
    for (var k = 0; k < points.length; k++) {
      x += xy[2 * k];
      y += xy[2 * k + 1];
      points[k] = new L.LatLng(y / SCALE, x / SCALE);
    }
    return points;
  }

  /* Parts per feature, rings per part, points per ring, then the points (made
   * absolute, still in 1e-5 degree). */
  function decodeGeometry(spec) {
    var geometry = spec.geometry;
    var xy = decodeInts(geometry.xy);
    for (var k = 2; k < xy.length; k++) { xy[k] += xy[k - 2]; }
    spec.raw = {
      parts: decodeInts(geometry.n),
      ringsPerPart: decodeInts(geometry.r),
      counts: decodeInts(geometry.c),
      xy: xy
    };
  }

  /* The LatLngs of each feature; every ring is also kept, in order, in spec.rings,
   * for the outlines drawn along them. */
  function decodePolygons(spec) {
    var raw = spec.raw, xy = raw.xy, k = 0, part = 0, ring = 0;
    var shapes = new Array(raw.parts.length);
    spec.rings = [];
    for (var f = 0; f < raw.parts.length; f++) {
      var polygons = [];
      for (var p = 0; p < raw.parts[f]; p++, part++) {
        var rings = [];
        for (var r = 0; r < raw.ringsPerPart[part]; r++, ring++) {
          var points = new Array(raw.counts[ring]);
          for (var m = 0; m < points.length; m++, k += 2) {
            points[m] = new L.LatLng(xy[k + 1] / SCALE, xy[k] / SCALE);
          }
          rings.push(points);
          spec.rings.push(points);
        }
        polygons.push(rings);
      }
      shapes[f] = polygons.length === 1 ? polygons[0] : polygons;
    }
    return shapes;
  }

  /* A picture of the first polygon layers, drawn straight from the decoded
   * integers onto one canvas while Leaflet builds its layers in the next task
   * (one object per point to project makes that take most of a second for a
   * prefecture). It sits in the overlay pane, so it pans with the map; it goes
   * when Leaflet has drawn the layers, or when the map zooms. */
  function drawPreview(list) {
    var size = map.getSize(), ratio = window.devicePixelRatio || 1;
    var canvas = L.DomUtil.create("canvas", "gg-preview", map.getPane("overlayPane"));
    canvas.width = size.x * ratio;
    canvas.height = size.y * ratio;
    canvas.style.width = size.x + "px";
    canvas.style.height = size.y + "px";
    var corner = map.containerPointToLayerPoint([0, 0]);
    L.DomUtil.setPosition(canvas, corner);
    var origin = map.getPixelOrigin().add(corner);
    var scale = 256 * Math.pow(2, map.getZoom());
    var context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.lineJoin = "round";
    list.forEach(function (spec) {
      if (!spec.shown) { return; }
      var raw = spec.raw, xy = raw.xy, style = spec.style, k = 0, part = 0, ring = 0;
      for (var f = 0; f < raw.parts.length; f++) {
        context.beginPath();
        for (var p = 0; p < raw.parts[f]; p++, part++) {
          for (var r = 0; r < raw.ringsPerPart[part]; r++, ring++) {
            for (var m = 0; m < raw.counts[ring]; m++, k += 2) {
              // Web Mercator, as Leaflet's EPSG:3857 projects a point.
              var sin = Math.sin(xy[k + 1] / SCALE * Math.PI / 180);
              var x = (xy[k] / SCALE / 360 + 0.5) * scale - origin.x;
              var y = (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale - origin.y;
              if (m) { context.lineTo(x, y); } else { context.moveTo(x, y); }
            }
            context.closePath();
          }
        }
        var fill = spec.fillValues ? spec.fillValues[f] : style.fill;
        if (fill) {
          context.globalAlpha = style.fillOpacity;
          context.fillStyle = fill;
          context.fill("evenodd");
        }
        if (style.weight) {
          context.globalAlpha = 1;
          context.strokeStyle = style.stroke;
          context.lineWidth = style.weight;
          context.setLineDash(style.dash ? style.dash.split(/[ ,]+/).map(Number) : []);
          context.stroke();
        }
      }
    });
    function remove() { L.DomUtil.remove(canvas); }
    map.once("zoomstart", remove);
    return remove;
  }

  /* Runs (ring step, first point, segments) along the rings of other layers. */
  function decodeOutline(spec) {
    var rings = [];
    spec.sources.forEach(function (key) { rings = rings.concat(byKey[key].rings); });
    var runs = decodeInts(spec.runs), lines = [], ring = 0;
    for (var k = 0; k < runs.length; k += 3) {
      ring += runs[k];
      var points = rings[ring], start = runs[k + 1], length = runs[k + 2], line = [];
      for (var j = 0; j <= length; j++) { line.push(points[(start + j) % points.length]); }
      lines.push(line);
    }
    var bounds = decodeInts(spec.bounds);
    spec.extents = [];
    for (var b = 0; b < bounds.length; b += 4) {
      spec.extents.push(L.latLngBounds(
        [bounds[b + 1] / SCALE, bounds[b] / SCALE], [bounds[b + 3] / SCALE, bounds[b + 2] / SCALE]
      ));
    }
    spec.anchors = decodePoints(spec.anchors);
    return lines;
  }

  var map = L.map("map", {zoomSnap: 0.25, zoomDelta: 0.5, maxZoom: 19, minZoom: 3});
  var renderer = L.canvas({padding: 0.5, tolerance: 2});
  var labelPane = map.createPane("gridgis-labels");
  labelPane.style.zIndex = 450;
  labelPane.style.pointerEvents = "none";
  map.fitBounds(data.bounds, {animate: false});

  var bases = {};
  if (data.basemap) {
    var tiles = data.basemap.tiles.map(function (tile) {
      var options = {attribution: escapeHtml(tile.attribution), maxZoom: 19, maxNativeZoom: tile.maxZoom};
      if (tile.subdomains) { options.subdomains = tile.subdomains; }
      return L.tileLayer(tile.url, options);
    });
    bases[escapeHtml(data.basemap.label)] = L.layerGroup(tiles).addTo(map);
    bases[escapeHtml(TEXT.blank)] = L.layerGroup();
  }

  var specs = data.layers;
  var byKey = {};
  specs.forEach(function (spec) {
    var columns = {};
    Object.keys(spec.columns).forEach(function (name) { columns[name] = decodeColumn(spec.columns[name]); });
    spec.titles = spec.title ? columns[spec.title] : null;
    spec.values = spec.fields.map(function (field) { return columns[field.column]; });
    spec.fillValues = spec.fills ? columns[spec.fills] : null;
    spec.searchValues = spec.search.map(function (name) { return columns[name]; });
    spec.labelColumns = spec.label ? spec.label.columns.map(function (name) { return columns[name]; }) : null;
    spec.group = L.featureGroup();
    spec.features = [];
    byKey[spec.key] = spec;
    if (spec.interactive) {
      spec.group.on("click", function (event) {
        var feature = event.propagatedFrom || event.layer;
        openPopup(spec, feature.gridgisIndex, event.latlng);
      });
    }
  });

  function pathOptions(spec, index) {
    var style = spec.style;
    var fill = spec.fillValues ? spec.fillValues[index] : style.fill;
    return {
      renderer: renderer,
      color: style.stroke,
      weight: style.weight,
      opacity: 1,
      dashArray: style.dash,
      fill: Boolean(fill),
      fillColor: fill,
      fillOpacity: style.fillOpacity,
      interactive: spec.interactive,
      bubblingMouseEvents: false
    };
  }

  function buildPolygons(spec) {
    if (!spec.raw) { decodeGeometry(spec); }
    var shapes = decodePolygons(spec);
    for (var i = 0; i < shapes.length; i++) {
      var polygon = L.polygon(shapes[i], pathOptions(spec, i));
      polygon.gridgisIndex = i;
      spec.features.push(polygon);
      spec.group.addLayer(polygon);
    }
    if (spec.label) {
      spec.labelPoints = decodePoints(spec.label.xy);
      spec.labelRoom = decodeInts(spec.label.r);
      spec.labelLines = spec.labelPoints.map(function (point, i) {
        return spec.labelColumns.map(function (values) { return values[i]; })
          .filter(function (line) { return line; });
      });
      spec.labelSizes = new Array(shapes.length);
    }
  }

  function buildOutline(spec) {
    var options = pathOptions(spec, 0);
    options.fill = false;
    options.interactive = false;
    spec.group.addLayer(L.polyline(decodeOutline(spec), options));
  }

  function buildPoints(spec) {
    var points = decodePoints(spec.xy);
    for (var i = 0; i < points.length; i++) {
      var options = pathOptions(spec, i);
      options.radius = spec.style.radius;
      var marker = L.circleMarker(points[i], options);
      marker.gridgisIndex = i;
      spec.features.push(marker);
      spec.group.addLayer(marker);
    }
  }

  /* One canvas draws every layer in the order given; a layer switched back on
   * would be drawn on top, so the ones above it are brought forward again. */
  function restack() {
    specs.forEach(function (spec) {
      if (map.hasLayer(spec.group)) {
        spec.group.eachLayer(function (feature) { feature.bringToFront(); });
      }
    });
  }

  // -- popups ------------------------------------------------------------------

  var popup = L.popup({maxWidth: 420, minWidth: 240, autoPanPadding: [24, 24]});

  function popupContent(spec, index) {
    var root = element("div", "gg-popup");
    root.appendChild(element("div", "gg-popup-title", spec.titles ? spec.titles[index] : spec.name));
    var table = element("table", "gg-popup-table");
    spec.fields.forEach(function (field, k) {
      var value = spec.values[k][index];
      if (value === null || value === undefined || value === "") { return; }
      var row = element("tr");
      row.appendChild(element("th", null, field.label));
      row.appendChild(element("td", null, value));
      table.appendChild(row);
    });
    root.appendChild(table);
    return root;
  }

  function openPopup(spec, index, latlng) {
    popup.setLatLng(latlng).setContent(popupContent(spec, index)).openOn(map);
  }

  function anchorOf(spec, index) {
    if (spec.type === "outline") { return spec.anchors[index]; }
    var feature = spec.features[index];
    if (spec.type === "point") { return feature.getLatLng(); }
    if (spec.labelPoints) { return spec.labelPoints[index]; }
    return feature.getBounds().getCenter();
  }

  /* Show a feature: its layer on, the view on it, its popup open. */
  function select(key, index) {
    var spec = byKey[key];
    if (!map.hasLayer(spec.group)) {
      map.addLayer(spec.group);
      restack();
    }
    if (spec.type === "point") {
      map.setView(spec.features[index].getLatLng(), Math.max(map.getZoom(), 16), {animate: false});
    } else {
      var extent = spec.type === "outline" ? spec.extents[index] : spec.features[index].getBounds();
      map.fitBounds(extent, {maxZoom: 17, padding: [40, 40], animate: false});
    }
    openPopup(spec, index, anchorOf(spec, index));
  }

  // -- labels ------------------------------------------------------------------

  var labels = L.layerGroup().addTo(map);
  var measure = document.createElement("canvas").getContext("2d");

  function labelSize(spec, index, lines) {
    var sizes = spec.labelSizes[index];
    if (!sizes) {
      measure.font = LABEL_FONT;
      sizes = spec.labelLines[index].map(function (line) { return measure.measureText(line).width; });
      spec.labelSizes[index] = sizes;
    }
    return [Math.max.apply(null, sizes.slice(0, lines)) + 6, lines * LABEL_LINE + 2];
  }

  /* A label is shown where it fits in the largest circle inside its polygon,
   * with its whole text or else its first line, and overlaps no other. */
  function updateLabels() {
    labels.clearLayers();
    var view = map.getBounds();
    var zoom = map.getZoom();
    // The title and the controls are in the way too: no label goes under them.
    var frame = map.getContainer().getBoundingClientRect();
    var placed = Array.prototype.map.call(
      map.getContainer().querySelectorAll(".gg-title, .leaflet-control"),
      function (node) {
        var box = node.getBoundingClientRect();
        return [box.left - frame.left, box.top - frame.top, box.right - frame.left, box.bottom - frame.top];
      }
    );
    var obstacles = placed.length;
    var candidates = [];
    specs.forEach(function (spec) {
      if (!spec.labelPoints || !map.hasLayer(spec.group)) { return; }
      for (var i = 0; i < spec.labelPoints.length; i++) {
        var point = spec.labelPoints[i];
        if (!view.contains(point) || !spec.labelLines[i].length) { continue; }
        var metres = EARTH * Math.cos(point.lat * Math.PI / 180) / Math.pow(2, zoom + 8);
        candidates.push({spec: spec, index: i, room: spec.labelRoom[i] / metres});
      }
    });
    candidates.sort(function (a, b) { return b.room - a.room || a.index - b.index; });
    for (var c = 0; c < candidates.length && placed.length - obstacles < MAX_LABELS; c++) {
      var item = candidates[c];
      var lines = item.spec.labelLines[item.index];
      var count = lines.length;
      var size = labelSize(item.spec, item.index, count);
      // The text box fits the circle when its half-diagonal is within the radius
      // (10 % over is allowed: the corners of a label are mostly empty).
      while (count > 0 && Math.sqrt(size[0] * size[0] + size[1] * size[1]) / 2 > item.room * 1.1) {
        count -= 1;
        size = count ? labelSize(item.spec, item.index, count) : size;
      }
      if (!count) { continue; }
      var anchor = item.spec.labelPoints[item.index];
      var centre = map.latLngToContainerPoint(anchor);
      var box = [centre.x - size[0] / 2, centre.y - size[1] / 2, centre.x + size[0] / 2, centre.y + size[1] / 2];
      var clear = placed.every(function (other) {
        return box[2] < other[0] || box[0] > other[2] || box[3] < other[1] || box[1] > other[3];
      });
      if (!clear) { continue; }
      placed.push(box);
      var node = element("div", "gg-label-text");
      lines.slice(0, count).forEach(function (line, k) {
        node.appendChild(element("div", k ? "gg-label-sub" : null, line));
      });
      labels.addLayer(L.marker(anchor, {
        icon: L.divIcon({className: "gg-label", html: node, iconSize: [size[0], size[1]]}),
        pane: "gridgis-labels",
        interactive: false,
        keyboard: false
      }));
    }
  }

  // -- search ------------------------------------------------------------------

  var searchIndex = null;

  function buildIndex() {
    searchIndex = [];
    specs.forEach(function (spec) {
      spec.searchValues.forEach(function (values) {
        for (var i = 0; i < values.length; i++) {
          if (values[i]) {
            searchIndex.push({key: values[i].toLowerCase(), spec: spec, index: i});
          }
        }
      });
    });
  }

  function find(query) {
    var wanted = query.replace(/^\s+|\s+$/g, "").toLowerCase();
    if (!wanted) { return []; }
    if (!searchIndex) { buildIndex(); }
    var found = [];
    var seen = {};
    searchIndex.forEach(function (entry, order) {
      var at = entry.key.indexOf(wanted);
      if (at < 0) { return; }
      var id = entry.spec.key + ":" + entry.index;
      var rank = entry.key === wanted ? 0 : (at === 0 ? 1 : 2);
      if (seen[id] !== undefined) {
        seen[id].rank = Math.min(seen[id].rank, rank);
        return;
      }
      seen[id] = {spec: entry.spec, index: entry.index, rank: rank, order: order};
      found.push(seen[id]);
    });
    found.sort(function (a, b) { return a.rank - b.rank || a.order - b.order; });
    return found;
  }

  function describe(result) {
    var spec = result.spec;
    var title = spec.titles ? spec.titles[result.index] : "";
    var detail = spec.searchValues.map(function (values) { return values[result.index]; })
      .filter(function (value) { return value && value !== title; });
    return [title, (detail.length ? detail[0] + " · " : "") + spec.name];
  }

  var Search = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var box = element("div", "gg-search");
      var input = element("input");
      input.type = "search";
      input.placeholder = TEXT.search;
      input.setAttribute("aria-label", TEXT.search);
      var list = element("ul", "gg-results");
      box.appendChild(input);
      box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);

      function choose(result) {
        list.textContent = "";
        select(result.spec.key, result.index);
      }

      function show(results) {
        list.textContent = "";
        if (!input.value.replace(/\s+/g, "")) { return; }
        if (!results.length) {
          list.appendChild(element("li", "gg-none", TEXT.none));
          return;
        }
        results.slice(0, 12).forEach(function (result) {
          var text = describe(result);
          var item = element("li", "gg-result");
          item.appendChild(element("div", "gg-result-title", text[0]));
          item.appendChild(element("div", "gg-result-detail", text[1]));
          item.addEventListener("click", function () { choose(result); });
          list.appendChild(item);
        });
        if (results.length > 12) {
          list.appendChild(element("li", "gg-none", TEXT.more.replace("{count}", results.length - 12)));
        }
      }

      input.addEventListener("input", function () { show(find(input.value)); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          var results = find(input.value);
          if (results.length) { choose(results[0]); }
        } else if (event.key === "Escape") {
          list.textContent = "";
        }
      });
      return box;
    }
  });

  // -- legend, title, controls ---------------------------------------------------

  var Legend = L.Control.extend({
    options: {position: "bottomright"},
    onAdd: function () {
      var box = element("div", "gg-legend");
      box.appendChild(element("div", "gg-legend-title", TEXT.legend));
      data.legend.forEach(function (item) {
        var row = element("div", "gg-legend-row");
        var swatch = element("span", "gg-swatch gg-swatch-" + item.shape);
        if (item.shape === "line") {
          swatch.style.borderTopColor = item.colour;
          swatch.style.borderTopStyle = item.dash ? "dashed" : "solid";
        } else {
          swatch.style.backgroundColor = item.colour;
          swatch.style.borderColor = item.stroke;
        }
        row.appendChild(swatch);
        row.appendChild(element("span", null, item.label));
        box.appendChild(row);
      });
      data.notes.forEach(function (note) { box.appendChild(element("p", "gg-note", note)); });
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });

  var heading = element("div", "gg-title");
  heading.appendChild(element("div", "gg-title-main", data.title));
  if (data.subtitle) { heading.appendChild(element("div", "gg-title-sub", data.subtitle)); }
  map.getContainer().appendChild(heading);

  // -- drawing -----------------------------------------------------------------

  /* The leading polygon layers (the grids) show at once, as a picture drawn
   * from the decoded data; Leaflet's layers, outlines, points and labels follow
   * in the next task. */
  var first = 0;
  while (first < specs.length && specs[first].type === "polygon") { first++; }

  function build(spec) {
    if (spec.type === "polygon") {
      buildPolygons(spec);
    } else if (spec.type === "outline") {
      buildOutline(spec);
    } else {
      buildPoints(spec);
    }
    if (spec.shown) { spec.group.addTo(map); }
  }

  specs.slice(0, first).forEach(decodeGeometry);
  var removePreview = drawPreview(specs.slice(0, first));

  var overlays = {};
  specs.forEach(function (spec) {
    if (spec.control) {
      overlays[escapeHtml(spec.name) + " <span class=\"gg-count\">" + spec.count + "</span>"] = spec.group;
    }
  });
  new Search().addTo(map);
  L.control.layers(bases, overlays, {collapsed: window.innerWidth < 760, position: "topright"}).addTo(map);
  L.control.scale({imperial: false, maxWidth: 160}).addTo(map);
  new Legend().addTo(map);

  /* Where a feature's popup opens, in pixels from the map's corner (for tests and scripts). */
  function anchor(key, index) {
    var point = map.latLngToContainerPoint(anchorOf(byKey[key], index));
    return [point.x, point.y];
  }

  var state = {
    map: map, layers: {}, select: select, find: find, anchor: anchor,
    drawnAt: null, readyAt: null, ready: false
  };
  specs.forEach(function (spec) { state.layers[spec.key] = spec.group; });
  window.gridgis = state;

  map.on("overlayadd", function () { restack(); updateLabels(); });
  map.on("overlayremove", updateLabels);
  map.on("moveend", updateLabels);

  L.Util.requestAnimFrame(function () {
    state.drawnAt = window.performance ? window.performance.now() : 0;
    document.documentElement.setAttribute("data-gridgis-drawn", "");
    setTimeout(function () {
      specs.forEach(build);
      updateLabels();
      L.Util.requestAnimFrame(function () {
        removePreview();
        state.readyAt = window.performance ? window.performance.now() : 0;
        state.ready = true;
        document.documentElement.setAttribute("data-gridgis-ready", "");
      });
    }, 0);
  });
}());
