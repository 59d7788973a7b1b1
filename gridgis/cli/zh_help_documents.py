"""The Chinese of the ``--help`` of the documents, filing, hazard and locate commands.

The same table as :mod:`gridgis.cli.zh_help` (format: :mod:`gridgis.cli.zh`), for the
commands that print documents (cards, figure, ledger, map, notice, stats), file grid changes
(filing, registry), and follow places and hazards (locate, hazards).
"""

TABLE = r"""
# -- cards --------------------------------------------------------------------------------

Write the grid members' responsibility cards (HTML and PDF).
    生成网格员责任告知卡（HTML 和 PDF）。

The folder to write into (created if missing).
    输出文件夹（不存在时自动创建）。

Only the members of these villages' grids (12-digit codes).
    只生成这些村/社区网格的网格员（12 位代码）。

Only the members of these townships' grids (9-digit codes).
    只生成这些乡镇/街道网格的网格员（9 位代码）。

The county's contacts (TOML with a [county] table; default data/county.toml).
    县的联系信息（含 [county] 表的 TOML 文件；默认 data/county.toml）。

Write the HTML only (no browser needed).
    只生成 HTML（不需要浏览器）。

Write a 网格员责任告知卡 for every grid member of PROJECT.gpkg, as HTML and PDF.
    为工程文件 PROJECT.gpkg 中的每名网格员生成网格员责任告知卡（HTML 和 PDF）。

One page per village (and per department's sector grid), four cards to an A4 sheet. Each card
gives the member's name, duty, phone and grids with a thumbnail, the tasks (信息员 and 宣传员), and
how and to whom to report: the village's and township's contact persons (联系负责人) and their
phones, and the county grid office of the county file.
    每个村/社区（以及每个部门的行业专属网格）一页，每张 A4 纸印四张卡。每张卡写明网格员的
    姓名、职务、电话和所负责的网格（附缩略图），其职责（信息员、宣传员），以及发现问题
    如何报告、向谁报告：村和乡镇的联系负责人及其电话，以及县信息文件中的县网格化管理
    办公室。

# -- figure -------------------------------------------------------------------------------

Draw the supervision diagram for print (PNG, PDF, SVG).
    绘制供打印的监管示意图（PNG、PDF、SVG）。

The file to write: .png, .pdf or .svg.
    输出文件：.png、.pdf 或 .svg。

Only these townships (9-digit codes; default the whole county).
    只画这些乡镇/街道（9 位代码；默认全县）。

Paper size; portrait or landscape as the map's shape suits.
    纸张大小；按地图形状自动选择横向或纵向。

Resolution of a PNG.
    PNG 的分辨率（dpi）。

Draw PROJECT.gpkg's 安全生产网格化监管示意图 for print.
    绘制工程文件 PROJECT.gpkg 的安全生产网格化监管示意图，供打印。

Base grids coloured so that neighbours differ and numbered within their village, village and
township boundaries, village names, a legend, a scale bar, a north arrow and a title block
(county, data version, date). Chinese text needs a CJK font (Debian: fonts-noto-cjk), found
without configuration.
    图上有：基础网格（相邻网格颜色不同，在村内编号）、村和乡镇界线、村名、图例、比例尺、
    指北针和图签（县名、数据版本、日期）。中文需要 CJK 字体（Debian：fonts-noto-cjk），
    无需配置即可自动找到。

# -- filing -------------------------------------------------------------------------------

File grid changes with the prefecture; verify and apply filings.
    向市里备案网格变更；校验备案包并入库。

Make, verify and apply filings (备案) of grid changes.
    生成、校验网格变更的备案包，并入库。

Apply a filing to the prefecture's registry, in one transaction.
    把备案包入库到市级备案库，在一个事务中完成。

Apply FILING.zip to the registry TARGET (a .gpkg file or a postgresql:// URL).
    把备案包 FILING.zip 入库到备案库 TARGET（.gpkg 文件或 postgresql:// 地址）。

A county's filings apply in order, each from where the last one ended. A filing that skips one,
starts from another state than the registry's, brings codes another county holds, or is for a
county outside the registry's prefecture or region is refused with the reasons, one a line, and
nothing is changed. Applying a filing again changes nothing.
    一个县的备案按顺序入库，每次都接着上一次结束的地方。备案如果跳过了某一次、起点与备案库
    的状态不一致、带来了其他县已占用的编码，或所属县不在备案库的市或自治区范围内，就会被
    拒绝并逐行列出原因，备案库不作任何改动。同一备案重复入库不会改变任何内容。

Pack the grid changes since the last filing into one zip.
    把上次备案以来的网格变更打包成一个 zip。

Start at this version: where a filing ended, or 0 for a baseline of every grid (default: where
the last filing ended; 0 for the first).
    起始版本：某次备案结束时的版本，或 0 表示包含全部网格的基线（默认：上次备案结束时的
    版本；首次备案为 0）。

End at this version (default: current).
    结束版本（默认：当前版本）。

Why the grids changed (printed in summary.html).
    网格变更的原因（写入 summary.html）。

The county's contacts for summary.html (default data/county.toml).
    summary.html 中县的联系信息（默认 data/county.toml）。

The filing zip to write.
    输出的备案 zip 包。

Write the grid changes of PROJECT.gpkg as a filing zip for the prefecture.
    把工程文件 PROJECT.gpkg 的网格变更写成报市里备案的 zip 包。

A county's first filing carries every grid (the registry's baseline); each later one the changes
since the last. The zip holds manifest.json, grids.gpkg (before, after, current), changes.xlsx
and changes.csv, changes.html (map), changes.png (figure) and summary.html. The project records
the filing as a new version.
    一个县的首次备案包含全部网格（作为备案库的基线）；以后每次只含上次以来的变更。zip 包中
    有 manifest.json、grids.gpkg（before、after、current 三个图层）、changes.xlsx 和
    changes.csv、changes.html（地图）、changes.png（示意图）和 summary.html。工程把这次
    备案记为一个新版本。

Check a filing zip: checksums, manifest, codes, coverage, lineage.
    校验备案 zip 包：校验和、清单、编码、覆盖和沿革。

Check FILING.zip; exit 0 if clean, 1 with each problem on its own line.
    校验备案包 FILING.zip；没有问题时退出码为 0，有问题时为 1，并逐行列出问题。

Checks every member's SHA-256, the manifest's schema and format version, the zip's member names
and sizes, every code, that the base grids of `current` tile their villages, that every
predecessor is in `before`, and that no code is both retired and active.
    检查内容：每个成员文件的 SHA-256，清单（manifest）的结构和格式版本，zip 中成员文件的
    名称和大小，每个编码，`current` 中的基础网格恰好铺满各自的村，每个前身网格都在
    `before` 中，以及没有编码既已注销又在使用。

# -- hazards ------------------------------------------------------------------------------

Hazard reports: import, feedback, and where each stands.
    隐患上报：导入、办理反馈和办理进度。

Hazard reports (隐患上报) and their record (建档留存), Appendix B's work loop.
    隐患上报及其建档留存，即附录 B 的工作闭环。

Import and route hazard reports (XLSX or CSV).
    导入隐患上报并分派（XLSX 或 CSV）。

Time limits and category departments (default: data/hazards.toml).
    办理时限和各隐患类别的主管部门（默认：data/hazards.toml）。

Coordinate system of the points: wgs84 (default), cgcs2000, gcj02, bd09.
    点的坐标系：wgs84（默认）、cgcs2000、gcj02、bd09。

The worksheet of an XLSX file.
    XLSX 文件的工作表。

A CSV file's text encoding (default: detected).
    CSV 文件的文本编码（默认：自动识别）。

The day dates are judged against (default: today's date).
    判断时限所依据的日期（默认：今天）。

Import REPORTS into PROJECT.gpkg as a new version, each report routed.
    把隐患上报表 REPORTS 导入工程文件 PROJECT.gpkg，作为一个新版本，并逐条分派。

One report per row: 发现时间, 上报人, 隐患描述, 隐患类别, 隐患等级 (一般 or 重大), 当场整改
(是/否), and the place: 经度/纬度, an address (所属乡镇, 所属村, 地址), a unit's 统一社会信用代码,
or a 网格编码. Each goes to its grid and that grid's 网格员 and 网格长; to a department when the
unit is in a sector grid or the category is a department's (--config); with a time limit by level;
closed at once when fixed on the spot. Any bad row stops the import (exit 1) and the rows are
listed; rows imported before are skipped.
    每行一条上报：发现时间、上报人、隐患描述、隐患类别、隐患等级（一般或重大）、当场整改
    （是/否），以及地点：经度/纬度、地址（所属乡镇、所属村、地址）、单位的统一社会信用代码
    或网格编码。每条上报分派到所在网格及该网格的网格员和网格长；单位在行业专属网格中、或
    隐患类别归某部门管（--config）时，分派到该部门；按隐患等级确定办理时限；当场整改的
    立即办结。任何一行有错都会中止导入（退出码 1）并列出这些行；以前导入过的行会跳过。

Count reports open, overdue, closed on time and late.
    统计在办、超期、按期办结和超期办结的上报。

Only reports not closed yet.
    只统计尚未办结的上报。

Only reports past their time limit.
    只统计超过办理时限的上报。

Only the reports of one grid (its code).
    只统计一个网格的上报（网格编码）。

Only the reports of one township (9 digits).
    只统计一个乡镇/街道的上报（9 位代码）。

Only the reports of one department (its number in data/departments.toml).
    只统计一个部门的上报（data/departments.toml 中的部门编号）。

Also write the summary, the reports and their record to this .xlsx file.
    同时把汇总、上报明细和办理记录写入此 .xlsx 文件。

As of a version.
    按某个版本时的状态统计。

Count PROJECT.gpkg's hazard reports per township and department.
    按乡镇/街道和部门统计工程文件 PROJECT.gpkg 中的隐患上报。

Each report is open, overdue (open past its time limit), closed on time or closed late, judged
on --today. A report counts for the township where it was found, and again for its department if
it has one. -o writes the summary, the reports and every change of state to a workbook.
    以 --today 为准，每条上报分为在办、超期（超过办理时限仍未办结）、按期办结或超期办结。
    上报计入发现地所在的乡镇/街道；有主管部门的，再计入该部门。-o 把汇总、上报明细和每次
    状态变更写入工作簿。

Apply feedback: one change of state per row.
    录入办理反馈：每行一次状态变更。

Apply FEEDBACK to the reports of PROJECT.gpkg as a new version.
    把办理反馈 FEEDBACK 录入工程文件 PROJECT.gpkg 中的上报，作为一个新版本。

One change per row, in order: 隐患编号, 办理状态 (交办, 上报, 处置中, 已办结), 日期, 办理结果
(needed to close), 承办单位, and 原因. A report never goes back (处置中 → 交办, or a closed report
reopened) without a reason. Unknown ids, unknown states, dates after --today or before the last
change stop the update (exit 1) with the rows listed.
    每行一次变更，按时间先后：隐患编号、办理状态（交办、上报、处置中、已办结）、日期、
    办理结果（办结时必填）、承办单位和原因。没有原因，上报不能回退（如处置中 → 交办，或
    重新打开已办结的上报）。隐患编号或办理状态不认识、日期晚于 --today 或早于上一次变更
    时，更新中止（退出码 1）并列出这些行。

# -- ledger -------------------------------------------------------------------------------

Export each grid's enterprise ledger.
    导出每个网格的企业台账。

Export the grid enterprise ledgers (网格化监管企业台帐, Appendix A sample table 1).
    导出网格化监管企业台帐（附录 A 样表 1）。

Write each grid's enterprise ledger (XLSX).
    写出每个网格的企业台账（XLSX）。

A folder (one workbook per township and per department) or a .xlsx file.
    文件夹（每个乡镇/街道、每个部门各一个工作簿）或一个 .xlsx 文件。

Only these grids (base or sector).
    只导出这些网格（基础网格或行业专属网格）。

Only the base grids of these villages (12-digit codes).
    只导出这些村/社区的基础网格（12 位代码）。

Only the base grids of these townships (9-digit codes).
    只导出这些乡镇/街道的基础网格（9 位代码）。

Write the 网格化监管企业台帐 of PROJECT.gpkg's grids, one sheet per grid.
    写出工程文件 PROJECT.gpkg 各网格的网格化监管企业台帐，每个网格一个工作表。

Each sheet has the columns of Appendix A sample table 1 (企业名称 … 所属村/社区), then the grid
code, the grid kind and, for a sector grid, why the unit is there; it prints on A4 landscape with
its title and header on every page. Into a folder, one workbook per township (and one per
department for the sector grids), so each office gets its own grids.
    每个工作表包含附录 A 样表 1 的各列（企业名称 … 所属村/社区），其后是网格编码、网格类型，
    行业专属网格还写明单位落入的原因；用 A4 横向打印，每页都有标题和表头。输出到文件夹时，
    每个乡镇/街道一个工作簿（行业专属网格每个部门一个），各单位只拿到自己的网格。

# -- locate -------------------------------------------------------------------------------

Whose is this? The grid, people and department of a place.
    这里归谁管？查询某地所属的网格、人员和部门。

System of LON LAT or of the points file: wgs84 (default), cgcs2000, gcj02 (Amap, Tencent), bd09
(Baidu).
    LON LAT 或点文件的坐标系：wgs84（默认）、cgcs2000、gcj02（高德、腾讯）、bd09（百度）。

An address: matched to a village the way assign matches one.
    地址：按 assign 的方法匹配到村/社区。

A unit's unified social credit code.
    单位的统一社会信用代码。

A CSV or XLSX file of points (or addresses) to locate, with -o.
    要定位的点（或地址）的 CSV 或 XLSX 文件，需配合 -o。

With --points: the .csv or .xlsx file to write.
    配合 --points：输出的 .csv 或 .xlsx 文件。

With --points: the worksheet of an XLSX file.
    配合 --points：XLSX 文件的工作表。

With --points: a CSV file's encoding.
    配合 --points：CSV 文件的文本编码。

Answer as of a version.
    按某个版本时的状态回答。

Print the answer as JSON.
    以 JSON 格式输出结果。

Say who is responsible for a place of PROJECT.gpkg.
    查询工程文件 PROJECT.gpkg 中某地由谁负责。

Give LON LAT (degrees; --coords for GCJ-02 or BD-09), --address TEXT or --uscc CODE. The answer
names the base grid (code and name), its village and township, and the people of the six roles
serving it, with phones; for a unit in a county-level sector grid, also its department, that
grid and the rule that sent it there. A point on a shared edge follows assign's rule (the
smallest grid code); an address matching a village with several grids lists them as candidates.
Exit 0 when one grid answers, 1 when none.
    给出 LON LAT（经纬度，单位为度；GCJ-02 或 BD-09 坐标用 --coords 指定）、--address 地址
    或 --uscc 代码。结果给出基础网格（编码和名称）、所属村/社区和乡镇/街道，以及该网格的
    六类人员及其电话；单位在县级行业专属网格中时，还给出其主管部门、该网格和使其落入的
    规则。点在网格公共边上时按 assign 的规则（编码最小的网格）处理；地址匹配到有多个网格
    的村时，列出这些候选网格。找到一个网格时退出码为 0，找不到时为 1。

With --points FILE -o OUT, every row of FILE is located (经度/纬度 and the other ledger headers are
recognised) and OUT keeps every row, in order, adding grid_code, the grid's name, village,
township, and the reason when a row lies in no grid.
    用 --points FILE -o OUT 时，对 FILE 的每一行定位（能识别经度/纬度和台账的其他表头），
    OUT 按原顺序保留每一行，并加上 grid_code、网格名称、村/社区、乡镇/街道，以及不在任何
    网格内时的原因。

# -- map ----------------------------------------------------------------------------------

Write the supervision diagram as an offline HTML map.
    把监管示意图生成为可离线打开的 HTML 地图。

Write a project's or a registry's grids as an offline HTML map.
    把工程或备案库的网格生成为可离线打开的 HTML 地图。

The .html file to write (e.g. maps/county.html).
    输出的 .html 文件（如 maps/county.html）。

Tiles under the grids; 'none' needs no network at all.
    网格下面的瓦片底图；'none' 完全不需要网络。

Tianditu developer key (tk) for --basemap tianditu; default: $TIANDITU_KEY.
    --basemap tianditu 所用的天地图开发者密钥（tk）；默认：环境变量 $TIANDITU_KEY。

Leave out enterprises' personal data.
    不包含企业的个人信息。

Map only this township (9 digits); repeat or separate with commas.
    只画此乡镇/街道（9 位代码）；可重复，或用逗号分隔。

Map the project as it was at this version (default: current).
    画出工程在此版本时的状态（默认：当前版本）。

A registry: map only this county (6 digits); repeat or separate with commas.
    用于备案库：只画此县（6 位代码）；可重复，或用逗号分隔。

The map's title (default: county + 监管示意图).
    地图标题（默认：县名 + 监管示意图）。

The map's title (default: the county's or prefecture's name + 监管示意图).
    地图标题（默认：县名或市名 + 监管示意图）。

Write the supervision diagram (安全生产网格化监管示意图) of PROJECT.gpkg.
    生成工程文件 PROJECT.gpkg 的安全生产网格化监管示意图。

Write the supervision diagram (安全生产网格化监管示意图) of PROJECT.gpkg, or of a REGISTRY.
    生成工程文件 PROJECT.gpkg 或备案库 REGISTRY 的安全生产网格化监管示意图。

One HTML file with everything inlined: it opens by double-click on a PC without network. Base
grids (neighbours in different colours, labelled where labels fit), sector grids, boundaries,
and enterprises by risk (unassigned ones apart), each a layer to switch on and off. A grid's
popup names its people in the six roles with phones, its units by risk and its load against
capacity. Search by grid code or name, village, enterprise name or USCC.
    一个 HTML 文件，所有内容都内嵌其中：在没有网络的电脑上双击即可打开。基础网格（相邻网格
    颜色不同，放得下时标注名称）、行业专属网格、行政界线和按风险分类的企业（未落格的单列）
    各为一个可开关的图层。点击网格弹出其六类人员及电话、按风险分类的单位，以及负荷与承载
    能力的对比。可按网格编码或名称、村/社区、企业名称或统一社会信用代码搜索。

REGISTRY is a prefecture's registry GeoPackage (gridgis registry init) or a postgresql:// URL.
Its map shows every county's current grids: a layer of base grids per county (each to switch on
and off), the sector grids, and the village, township and county outlines; a grid's popup names
its county and the filing that made it. Search by grid code or name, village, township or
county. --county limits the counties; --public, --township and --version are for a project only.
    REGISTRY 是市级备案库的 GeoPackage 文件（由 gridgis registry init 新建）或 postgresql://
    地址。其地图显示各县的现行网格：每个县的基础网格一个图层（均可开关），以及行业专属网格
    和村、乡镇、县界线；点击网格弹出其所属县和产生它的那次备案。可按网格编码或名称、村、
    乡镇或县搜索。--county 限定县；--public、--township 和 --version 只用于工程。

no tiles, no network (default)
    无底图，不联网（默认）

OpenStreetMap tiles
    OpenStreetMap 瓦片底图

天地图 vector + annotation (needs a key)
    天地图矢量底图加注记（需要密钥）

高德 tiles; overlays are shifted to GCJ-02
    高德瓦片底图；叠加图层偏移到 GCJ-02

# -- notice -------------------------------------------------------------------------------

Write each village's public notice (HTML and PDF).
    生成每个村/社区的公示（HTML 和 PDF）。

Only these villages (12-digit codes; default all).
    只生成这些村/社区（12 位代码；默认全部）。

Only villages whose grids or grid staff changed after version V.
    只生成版本 V 之后网格或网格人员有变化的村/社区。

Named roads and canals (a name field) to word each grid's area by (repeatable).
    用来描述网格四至的道路和沟渠，需有名称字段（可重复）。

Write the 公示 of PROJECT.gpkg's villages into a folder, as HTML and PDF.
    把工程文件 PROJECT.gpkg 各村/社区的公示生成到文件夹中（HTML 和 PDF）。

Each notice gives every grid's name and code, its area in words (四至: the neighbouring grids,
villages and, with --barriers, roads and canals to the east, south, west and north), its 网格长
and its 网格员 with 专职/兼职 and phone, a map of the village's grids, the complaint line
(监督电话, from the county file: set complaint_line there first) and the date. The PDF is the HTML
printed by Chromium, Chrome or Edge.
    每份公示列出每个网格的名称和编码、文字描述的范围（四至：东、南、西、北相邻的网格和村，
    加 --barriers 时还有道路和沟渠）、网格长和网格员（注明专职/兼职）及电话，附本村网格图、
    监督电话（取自县信息文件：请先在其中设置 complaint_line）和日期。PDF 由 Chromium、
    Chrome 或 Edge 打印 HTML 得到。

# -- registry -----------------------------------------------------------------------------

The prefecture's registry of filings (GeoPackage or PostGIS).
    市级备案库（GeoPackage 或 PostGIS）。

Create and read the registry where a prefecture or region collects its counties' filings.
    新建和查看备案库：市或自治区在备案库中汇集所辖各县的备案。

TARGET is a .gpkg file (one office) or a postgresql:// URL (PostGIS; many counties at once;
?schema=NAME picks the schema, default gridgis_registry).
    TARGET 是 .gpkg 文件（单个单位使用）或 postgresql:// 地址（PostGIS，多个县同时使用；
    ?schema=NAME 指定模式，默认 gridgis_registry）。

Write the current grids of every county (or one) to a file.
    把所有县（或一个县）的现行网格写入文件。

Only this county (6-digit code).
    只导出此县（6 位代码）。

Output file; its suffix picks the format (.gpkg .geojson .shp .csv .xlsx).
    输出文件；按后缀确定格式（.gpkg .geojson .shp .csv .xlsx）。

Write the registry's current grids (all counties, or --county) to a file.
    把备案库的现行网格（全部县，或 --county 指定的县）写入文件。

Create an empty registry for a prefecture or a region.
    为一个市或自治区新建空的备案库。

Prefecture code, e.g. 640100.
    市代码，如 640100。

Region code, e.g. 640000.
    自治区代码，如 640000。

Create an empty registry at TARGET taking the counties of one prefecture or region.
    在 TARGET 新建空的备案库，接收一个市或自治区所辖各县的备案。

List the filings received, per county; flag stale counties.
    按县列出已收到的备案；标出久未备案的县。

Flag counties whose latest filing is older than this many days.
    标出最近一次备案早于此天数的县。

List every filing TARGET received, per county, and flag counties that are behind.
    按县列出备案库 TARGET 收到的每次备案，并标出备案滞后的县。

Counties of the registry's scope that the code scheme names but that never filed are flagged
too.
    编码规则中有、属于备案库范围但从未备案的县也会标出。

# -- stats --------------------------------------------------------------------------------

Write the grid statistics table (XLSX, CSV).
    生成网格化统计表（XLSX、CSV）。

The .xlsx file to write, laid out as Appendix A sample table 2.
    输出的 .xlsx 文件，格式同附录 A 样表 2。

Also write the rows as CSV (UTF-8 with BOM).
    同时把各行写成 CSV（带 BOM 的 UTF-8）。

Write PROJECT.gpkg's 网格化统计表 (Appendix A sample table 2).
    生成工程文件 PROJECT.gpkg 的网格化统计表（附录 A 样表 2）。

Block 1: territorial and sector grids; units in the ledger, placed in a
grid, and rented or abandoned plants.
Block 2: one row per township or street and per department, with its
people (挂点领导, 责任人, 网格管理员, with titles) and the
same three counts.
    |第一部分：属地网格和行业专属网格数；台账内单位数、已落格单位数、
    |          出租和废弃厂房数。
    |第二部分：每个乡镇/街道、每个部门各一行，列出其人员（挂点领导、
    |          责任人、网格管理员，含职务）和上述三项数字。

The unit counts are those of the last 'gridgis assign' and agree with its conservation line:
台账内 = rows N, 已录入系统并落格 = T + S. Without a staff roster the people columns are left empty.
    单位数取自最近一次 'gridgis assign'，与其守恒式一致：台账内 = N，已录入系统并落格 =
    T + S。没有网格人员名册时，人员各列留空。
"""
