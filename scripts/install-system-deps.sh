#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, so that README
# command (b) works on a fresh Debian machine. Needs root or sudo.
#
#   python3-qgis, qgis-providers  open a project and its exports in QGIS (PyQGIS runs
#                                 under the system's /usr/bin/python3, not the venv)
#   python3-gdal                  GDAL's validate_gpkg.py, run on the project and exports
#   chromium                      browser tests of the HTML maps and notices (driven by
#                                 playwright); gridgis notice and cards print their PDFs with it
#   fonts-noto-cjk                Chinese text in printed figures and PDFs
#   postgresql, postgis           the prefecture registry's PostGIS tests (a throw-away
#                                 cluster on 127.0.0.1, started by the tests)
#   gdal-bin                      ogr2ogr, the anchor scripts/bench_registry.py loads the same
#                                 grids with (pyogrio's wheel has no PostgreSQL driver)
#
# Packages already installed are left alone, so a second run is quick and offline.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-system-deps: run as root or install sudo" >&2
        exit 1
    fi
    SUDO="sudo"
fi

# The PostGIS package is named after the PostgreSQL major version Debian ships.
postgis_package() {
    apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' 2>/dev/null \
        | awk '{print $1}' | sort -V | tail -1
}

wanted=(python3-qgis qgis-providers python3-gdal chromium fonts-noto-cjk postgresql gdal-bin)

missing=()
for package in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$package")
    fi
done
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    missing+=(POSTGIS)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
packages=()
for package in "${missing[@]}"; do
    if [ "$package" = POSTGIS ]; then
        package=$(postgis_package)
        if [ -z "$package" ]; then
            echo "install-system-deps: no postgresql-N-postgis-3 package in the apt sources" >&2
            exit 1
        fi
    fi
    packages+=("$package")
done
echo "install-system-deps: installing ${packages[*]}" >&2
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
