"""The Chinese of the ``--help`` of gridgis and its project commands (format: gridgis.cli.zh).

Terms follow the guideline: 网格, 基础网格, 行业专属网格, 属地网格, 网格员, 网格长, 挂点领导,
网格安全监管责任人, 直接监管责任人, 联系负责人, 台账, 公示, 备案, 隐患; the project GeoPackage is
the 工程文件. Option names, file names, commands, codes and units stay as they are. The
documents, filing and hazard commands are in :mod:`gridgis.cli.zh_help_documents`.
"""

TABLE = r"""
# -- gridgis ------------------------------------------------------------------------------

Work-safety supervision grids for a county: divide, code, assign, map and file.
    县级安全生产网格化监管：划分网格、编码、企业落格、制图和备案。

Every command reads and writes one project GeoPackage. Commands that change it add one version;
a command that fails leaves the file untouched.
    每个命令读写一个工程文件（GeoPackage）。修改工程的命令会新增一个版本；命令失败时，
    工程文件保持原样。

More detail; -v shows tracebacks.
    输出更多细节；加 -v 时出错会显示调用栈。

Only warnings and errors.
    只输出警告和错误。

Show the version and exit.
    显示版本号并退出。

Show this message and exit.
    显示本帮助并退出。

Replace an existing output file.
    覆盖已存在的输出文件。

Example:
    示例：

Examples:
    示例：

# -- assign -------------------------------------------------------------------------------

Assign enterprises to territorial or sector grids.
    把企业落到属地网格或行业专属网格。

Sector rules TOML (default: data/rules.toml).
    行业专属网格规则文件，TOML 格式（默认：data/rules.toml）。

Assign every enterprise of PROJECT.gpkg to exactly one grid.
    把工程文件 PROJECT.gpkg 中的每家企业落到一个且仅一个网格。

Enterprises go to the base grid their point lies in (a point on a shared edge goes to the grid
with the smallest code); rows without coordinates are matched by township and village names.
Large, high-risk and major-hazard units, and the highest-risk units of over-capacity grids, go
to their department's county-level sector grid. Prints the line 'rows N = territorial T + sector
S + unassigned U' and exits 1 if it does not add up.
    企业落入其坐标点所在的基础网格（点在网格公共边上时，归编码最小的网格）；没有坐标的行
    按所属乡镇和村的名称匹配。规模以上、重大/较大风险和涉及重大危险源的单位，以及超出
    承载能力的网格中风险最高的单位，落入其行业主管部门的县级行业专属网格。最后输出一行
    守恒式“台账 N 行 = 属地 T + 行业专属 S + 未落格 U”，等式不成立时退出码为 1。

# -- check --------------------------------------------------------------------------------

Check codes, containment, gaps, overlaps and slivers.
    检查编码、包含关系、缝隙、重叠和碎片。

Also write the problems to this file (GPKG, GeoJSON, SHP, CSV, XLSX).
    同时把问题写入此文件（GPKG、GeoJSON、SHP、CSV、XLSX）。

Store the problems in the project's check_issues layer, as a new version.
    把问题存入工程的 check_issues 图层，作为一个新版本。

Metres a unit may stick out of its parent.
    下级区划允许超出上级界线的距离（米）。

Gaps narrower than this many metres are reported.
    窄于此宽度（米）的缝隙会被报告。

Polygons nowhere wider than this many metres are slivers.
    处处都窄于此宽度（米）的多边形视为碎片。

Check PROJECT.gpkg's codes and topology without changing it.
    检查工程文件 PROJECT.gpkg 的编码和拓扑，不修改工程。

Exits 0 when clean and 1 when problems are found. -o writes the problems to a file; --save
stores them in the project's check_issues layer, as a new version. Overlaps and gaps narrower
than 1 mm are rounding noise and are not problems.
    没有问题时退出码为 0，发现问题时为 1。-o 把问题写入文件；--save 把问题存入工程的
    check_issues 图层，作为一个新版本。窄于 1 mm 的重叠和缝隙属于舍入误差，不算问题。

# -- code ---------------------------------------------------------------------------------

Grid codes: check a code and explain its parts.
    网格编码：校验编码并解释各段含义。

Check a grid CODE and explain it.
    校验网格编码 CODE 并解释其含义。

Code scheme TOML file (default: data/code_scheme.toml).
    编码规则文件，TOML 格式（默认：data/code_scheme.toml）。

Print the explanation as JSON.
    以 JSON 格式输出解释。

Exits 0 for a valid code and prints its county, township, village, kind and sequence. Exits 1
for an invalid one and says why: wrong length, bad check character, unknown county, reserved
range, ...
    编码有效时退出码为 0，并输出其所属县、乡镇/街道、村/社区、网格类型和序号；无效时退出码
    为 1，并说明原因：长度不对、校验码错误、未知的县、属于保留号段等。

Example: gridgis code check 6401221012010015
    示例：gridgis code check 6401221012010015

# -- demo ---------------------------------------------------------------------------------

Run the whole flow on the bundled demo county.
    在自带的演示县上运行完整流程。

Run every step on the demo county and write the results to OUTDIR (default: out/).
    在演示县上依次运行每个步骤，结果写入 OUTDIR（默认：out/）。

The demo county is 贺兰县 (640122): its real outline, with fictional townships, villages,
enterprises and staff (see data/demo/README.md). The project file is rewritten on every run. The
supervision map goes to maps/demo.html beside OUTDIR (maps/ of the current folder by default).
It prints one line per step; run 'gridgis -v demo' to see each command's full report.
    演示县为贺兰县（640122）：县界是真实的，乡镇、村、企业和网格人员都是虚构的（见
    data/demo/README.md）。每次运行都会重写工程文件。监管示意图写到 OUTDIR 旁边的
    maps/demo.html（默认即当前文件夹下的 maps/）。每个步骤输出一行；运行 'gridgis -v demo'
    可查看每个命令的完整报告。

# -- diff ---------------------------------------------------------------------------------

Compare the grids of two versions.
    比较两个版本的网格。

Also list unchanged grids in the table.
    表格中也列出未变的网格。

List every grid of PROJECT.gpkg as new, split, merged, changed, retired or unchanged.
    列出工程文件 PROJECT.gpkg 的每个网格在两个版本间是新增、拆分、合并、变更、注销还是未变。

Areas are in km², measured in a Gauss-Krueger zone. csv and json list every grid, unchanged ones
included.
    面积单位为 km²，在高斯-克吕格投影带中量算。csv 和 json 格式列出所有网格，包括未变的网格。

# -- divide -------------------------------------------------------------------------------

Divide villages into balanced, coded base grids.
    把村/社区划分为负荷均衡、带编码的基础网格。

Village to divide (repeat, or separate with commas). Default: all.
    要划分的村/社区（可重复，或用逗号分隔）。默认：全部。

Divide every village of this township (repeatable).
    划分此乡镇/街道的所有村/社区（可重复）。

What a grid's load is: enterprises, households or area (km²).
    网格负荷按什么计算：企业数（enterprises）、户数（households）或面积（area，km²）。

The largest load one grid may carry.
    一个网格的最大负荷。

Roads, rivers or railways that grid edges should follow (repeatable).
    网格边界应沿其划分的道路、河流或铁路（可重复）。

Points carrying the load (default: the project's located enterprises).
    承载负荷的点（默认：工程中有坐标的企业）。

Weight column of --load-points (default: 1 each).
    --load-points 的权重列（默认：每个点计 1）。

Building points or footprints to spread households over.
    用来分布户数的建筑点或建筑轮廓。

The same input and seed give the same grids.
    输入和随机种子相同，划分结果就相同。

Divide villages of PROJECT.gpkg into base grids and give them codes.
    把工程文件 PROJECT.gpkg 中的村/社区划分为基础网格，并赋予编码。

Grids tile each village exactly, are single polygons, keep every load at or under --max-load (an
indivisible unit over it is reported), and follow --barriers. Villages not selected keep their
grids and codes exactly; in a re-divided village, grids whose footprint is essentially unchanged
keep their codes.
    网格无缝隙、无重叠地铺满每个村，每个网格是单个多边形，负荷都不超过 --max-load（不可再分
    的单元单独超过时会报告），边界沿 --barriers 给出的线划分。未选中的村，网格和编码原样
    保留；重新划分的村里，范围基本不变的网格保留原编码。

# -- enterprises --------------------------------------------------------------------------

Import enterprise ledgers.
    导入企业台账。

Import enterprise ledgers (企业台账) into a project.
    把企业台账导入工程。

Import or re-import a ledger (CSV or XLSX).
    导入或重新导入台账（CSV 或 XLSX）。

Worksheet of an XLSX ledger (default: the first with a header).
    XLSX 台账的工作表（默认：第一个有表头的工作表）。

Coordinate system of the whole ledger: wgs84, cgcs2000, gcj02 (Amap/Tencent) or bd09 (Baidu).
    整个台账的坐标系：wgs84、cgcs2000、gcj02（高德/腾讯）或 bd09（百度）。

Column naming each row's coordinate system (default: a 坐标系 column when present).
    标明每行坐标系的列（默认：有“坐标系”列时用该列）。

Text encoding of a CSV ledger (default: detected).
    CSV 台账的文本编码（默认：自动识别）。

Import LEDGER into PROJECT.gpkg as a new version.
    把台账 LEDGER 导入工程文件 PROJECT.gpkg，作为一个新版本。

Every row is kept. Invalid USCCs and duplicates are flagged, GCJ-02 and BD-09 coordinates are
converted to CGCS2000, swapped lon/lat is fixed, and points outside the county are reported.
Importing a newer ledger shows which enterprises are new, changed or removed.
    每一行都保留。无效和重复的统一社会信用代码会被标出，GCJ-02 和 BD-09 坐标转换为
    CGCS2000，颠倒的经纬度会被纠正，县外的点会被报告。导入新一期台账时，会列出哪些企业是
    新增、变更或删除的。

# -- export -------------------------------------------------------------------------------

Write a layer to GPKG, GeoJSON, SHP, CSV, XLSX or any GDAL format.
    把图层导出为 GPKG、GeoJSON、SHP、CSV、XLSX 或任意 GDAL 格式。

Grids only: keep this level (repeatable); sector picks the sector grids.
    仅用于网格图层：只导出此级别（可重复）；sector 表示行业专属网格。

Output file, or - for standard output (GeoJSON, or CSV with --driver CSV).
    输出文件；用 - 表示输出到标准输出（GeoJSON，或配合 --driver CSV 输出 CSV）。

Output format: a GDAL vector driver (GPKG, GeoJSON, FlatGeobuf …), CSV or XLSX (default: from
the file's suffix).
    输出格式：GDAL 矢量驱动名（GPKG、GeoJSON、FlatGeobuf …）、CSV 或 XLSX（默认：按文件
    后缀判断）。

Write the geometry in this CRS, e.g. EPSG:4545 (default: CGCS2000; .geojson: WGS-84 per RFC
7946).
    几何采用此坐标参照系，如 EPSG:4545（默认：CGCS2000；.geojson 按 RFC 7946 用 WGS-84）。

Export the layer as it was at this version (default: current).
    导出该图层在此版本时的状态（默认：当前版本）。

Write a layer of PROJECT.gpkg to a file that QGIS, Excel or a web map opens.
    把工程文件 PROJECT.gpkg 的一个图层导出为 QGIS、Excel 或网络地图能打开的文件。

grids:        grid_code, kind, level, admin_code, name, load, area_km2
assignments:  uscc, name, grid_code, kind, method, reason, lon, lat (CGCS2000)
admin_units:  code, name, level, parent_code, households
enterprises:  every column of the ledger as imported
staff:        the roster, with where each person serves (no geometry)
    |grids:        网格，列为 grid_code, kind, level, admin_code, name, load, area_km2
    |assignments:  落格结果，列为 uscc, name, grid_code, kind, method, reason, lon, lat（CGCS2000）
    |admin_units:  行政区划，列为 code, name, level, parent_code, households
    |enterprises:  企业台账，保留导入时的全部列
    |staff:        网格人员名册，含每人的任职处（无几何）

GeoPackages are version 1.2 with the project's QGIS styles and Chinese column titles; GeoJSON
follows RFC 7946 (WGS-84) unless --crs is given; CSV is UTF-8 with a byte-order mark, geometry
as WKT.
    GeoPackage 为 1.2 版，带工程的 QGIS 样式和中文列标题；GeoJSON 遵循 RFC 7946（WGS-84），
    除非给出 --crs；CSV 为带 BOM 的 UTF-8，几何以 WKT 表示。

# -- init ---------------------------------------------------------------------------------

Create a project from township/village boundaries.
    用乡镇/村界线新建工程。

Boundary file: Shapefile (also .zip), GeoPackage or GeoJSON.
    界线文件：Shapefile（也可以是 .zip）、GeoPackage 或 GeoJSON。

Layer to read from a GeoPackage or zip with several.
    GeoPackage 或 zip 中有多个图层时，要读取的图层。

Field with the 6/9/12-digit codes (default: detected).
    存放 6/9/12 位代码的字段（默认：自动识别）。

Field with the names (default: detected).
    存放名称的字段（默认：自动识别）。

Text encoding of Shapefiles, e.g. GBK (default: detected).
    Shapefile 的文本编码，如 GBK（默认：自动识别）。

CRS for files that declare none, e.g. EPSG:4326.
    文件未声明坐标参照系时采用的坐标参照系，如 EPSG:4326。

Replace an existing project.
    覆盖已存在的工程文件。

Create PROJECT.gpkg from administrative boundary files.
    用行政区划界线文件新建工程文件 PROJECT.gpkg。

Each feature's level (county, township, village) comes from its 6-, 9- or 12-digit code; missing
upper levels are built by dissolving. Invalid geometry is repaired and listed. Everything is
stored in CGCS2000.
    每个要素的级别（县、乡镇/街道、村/社区）由其 6、9 或 12 位代码确定；缺少的上级区划由
    下级融合生成。无效几何会被修复并列出。所有数据都以 CGCS2000 存储。

# -- log ----------------------------------------------------------------------------------

List the versions of a project.
    列出工程的版本。

Also list the configuration and input files each version was made with.
    同时列出生成每个版本所用的配置和输入文件。

List every version of PROJECT.gpkg: id, local time, note and command.
    列出工程文件 PROJECT.gpkg 的每个版本：版本号、本地时间、说明和命令。

With -v, each version is followed by the code scheme, departments and rules it was made with,
and the name and SHA-256 of every input file.
    加 -v 时，每个版本后面列出生成它所用的编码规则、部门和落格规则，以及每个输入文件的名称
    和 SHA-256。

# -- report -------------------------------------------------------------------------------

Write the data-quality workbook (XLSX).
    生成数据质量工作簿（XLSX）。

The .xlsx file to write.
    输出的 .xlsx 文件。

Write a workbook of PROJECT.gpkg's ledger problems, one sheet each.
    把工程文件 PROJECT.gpkg 中台账的问题写入工作簿，每类问题一个工作表。

Sheets: invalid USCC, duplicate USCC (every copy), swapped coordinates, points outside the
county, declared village differing from the located one, and rows left unassigned. Each row
carries the ledger row number, name, USCC, township, village and address, so it can be fixed at
source.
    工作表：统一社会信用代码无效、统一社会信用代码重复（列出每一条）、经纬度颠倒、坐标在
    县外、所填村与坐标所在村不符，以及未落格的行。每行都带有台账行号、名称、统一社会信用
    代码、乡镇/街道、村/社区和地址，便于在源头改正。

# -- staff --------------------------------------------------------------------------------

Import the staff roster.
    导入网格人员名册。

Import the staff roster (网格人员名册): who serves which grid, in which role.
    导入网格人员名册：谁在哪个网格、担任什么角色。

Import or re-import a roster (XLSX or CSV).
    导入或重新导入名册（XLSX 或 CSV）。

Worksheet of an XLSX roster (default: the first with a header).
    XLSX 名册的工作表（默认：第一个有表头的工作表）。

Text encoding of a CSV roster (default: detected).
    CSV 名册的文本编码（默认：自动识别）。

Import ROSTER into PROJECT.gpkg as a new version.
    把名册 ROSTER 导入工程文件 PROJECT.gpkg，作为一个新版本。

The header row (at least 姓名 and 角色) is found below any title rows. Each person serves at a
grid (网格编码), else a village (所属乡镇街道 + 所属村社区), else a township, else a department. A
village's 网格员 are shared equally by its grids; 'gridgis assign' then uses them for each grid's
capacity. Any row without a name, with an unknown role or place, or repeated, stops the import
(exit 1) and the project stays as it was.
    表头行（至少有姓名和角色两列）在标题行下面也能找到。每人的任职处依次取网格（网格编码）、
    村（所属乡镇街道 + 所属村社区）、乡镇/街道、部门。一个村的网格员由该村各网格平均分担；
    'gridgis assign' 据此计算每个网格的承载能力。任何一行缺姓名、角色或任职处不认识、或与
    其他行重复，都会中止导入（退出码 1），工程保持原样。

# -- upgrade ------------------------------------------------------------------------------

Upgrade a project made by an earlier gridgis.
    升级旧版 gridgis 生成的工程。

Upgrade PROJECT.gpkg to this release's store layout, keeping every version.
    把工程文件 PROJECT.gpkg 升级到本版的存储结构，保留所有版本。

The upgrade is one atomic change, recorded as a version of its own. Any command that changes a
project upgrades it first; read-only commands ask for it.
    升级是一次原子操作，单独记为一个版本。任何修改工程的命令都会先升级工程；只读的命令会
    提示先升级。
"""
