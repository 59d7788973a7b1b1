"""The Chinese of what commands report, and of the demo's lines (format: :mod:`gridgis.cli.zh`).

Messages are tried in order, so a specific one comes before a general one
(``wrote {n:int} grids to {path}`` before ``wrote {path}``). A line no entry
matches, such as a row of a table, is printed as it is.
"""

TABLE = r"""
# -- the notes commands print -------------------------------------------------------------

{name}: no .cpg file; text detected as {encoding}
    {name}：没有 .cpg 文件，识别出文本编码为 {encoding}

{name}: reprojected from {source} to {target}
    {name}：坐标已从 {source} 转换为 {target}

{name}: no coordinate system given; coordinates taken as CGCS2000/WGS-84 (pass --coords gcj02 for
points picked on Amap or Tencent maps, --coords bd09 for Baidu)
    {name}：未给出坐标系，坐标按 CGCS2000/WGS-84 处理（在高德或腾讯地图上取的点请加
    --coords gcj02，百度地图上取的点请加 --coords bd09）

{name}: no coordinate system given for rows without one in the system column; coordinates taken
as CGCS2000/WGS-84 (pass --coords gcj02 for points picked on Amap or Tencent maps, --coords bd09
for Baidu)
    {name}：坐标系列中未填坐标系的行，坐标按 CGCS2000/WGS-84 处理（在高德或腾讯地图上取的点
    请加 --coords gcj02，百度地图上取的点请加 --coords bd09）

the project has no staff roster: the people columns are empty
    工程还没有网格人员名册：人员各列为空

# -- what commands report -----------------------------------------------------------------

wrote {n:int} grids to {path}
    已将 {n} 个网格写入 {path}

wrote {n:int} current grids to {path}
    已将 {n} 个现行网格写入 {path}

wrote {n:int} assignments to {path}
    已将 {n} 条落格结果写入 {path}

wrote {n:int} admin_units to {path}
    已将 {n} 个行政区划写入 {path}

wrote {n:int} enterprises to {path}
    已将 {n} 家企业写入 {path}

wrote {n:int} staff to {path}
    已将 {n} 名网格人员写入 {path}

wrote {path}: {grids:int} base grids, {sector:int} sector grids, {units:int} units
({unassigned:int} unassigned); version {version:int}; {size} MiB
    已写入 {path}：基础网格 {grids} 个，行业专属网格 {sector} 个，单位 {units} 家（未落格
    {unassigned} 家）；版本 {version}；{size} MiB

wrote {path} ({members}); project version {version:int}
    已写入 {path}（{members}）；工程版本 {version}

wrote {path}
    已写入 {path}

… and {n:int} more
    …… 另有 {n} 项

read {name}: {n:int} features, CRS {crs}, text {encoding}
    读取 {name}：{n} 个要素，坐标参照系 {crs}，文本编码 {encoding}

read {name}: {n:int} features, CRS {crs}
    读取 {name}：{n} 个要素，坐标参照系 {crs}

admin units: {counties:int} county, {townships:int} townships, {villages:int} villages
    行政区划：{counties} 个县，{townships} 个乡镇/街道，{villages} 个村/社区

repaired {n:int} invalid geometries (polygonal parts kept):
    修复了 {n} 个无效几何（保留了面状部分）：

repairing {code} {name} made it overlap {n:int} neighbour by {area} m²; its boundary is wrong at
source: fix it in {files}, and run '{check}' to list each overlap
    修复 {code} {name} 后，它与 {n} 个相邻区划重叠 {area} m²；其界线在源数据中就有错：请在
    {files} 中改正，并运行 '{check}' 列出每处重叠

repairing {code} {name} made it overlap {n:int} neighbours by {area} m²; its boundary is wrong at
source: fix it in {files}, and run '{check}' to list each overlap
    修复 {code} {name} 后，它与 {n} 个相邻区划重叠 {area} m²；其界线在源数据中就有错：请在
    {files} 中改正，并运行 '{check}' 列出每处重叠

repairing {n:int} units made them overlap their neighbours ({area} m² in all); their boundaries
are wrong at source: fix them in {files}, and run '{check}' to list each overlap
    修复 {n} 个区划后，它们与相邻区划重叠（共 {area} m²）；其界线在源数据中就有错：请在
    {files} 中改正，并运行 '{check}' 列出每处重叠

created {path} (version {version:int})
    已新建 {path}（版本 {version}）

{name}: clean
    {name}：没有问题

{name}: {n:int} problems; --save stores them in the project
    {name}：发现 {n} 个问题；加 --save 可存入工程

{name}: {n:int} problems, stored in {where:msg}
    {name}：发现 {n} 个问题，已存入{where}

layer check_issues and {path}
    图层 check_issues 和 {path}

layer check_issues
    图层 check_issues

{villages:int} villages → {grids:int} base grids; largest load {ratio} × limit; Polsby–Popper
median {median}, min {least}
    {villages} 个村 → {grids} 个基础网格；最大负荷为上限的 {ratio} 倍；Polsby–Popper 紧凑度
    中位数 {median}，最小 {least}

{n:int} blocks or units alone exceed the limit:
    {n} 个街区或单元单独就超过上限：

codes: {kept:int} kept, {issued:int} issued, {retired:int} retired; version {version:int}
    编码：保留 {kept} 个，新发 {issued} 个，注销 {retired} 个；版本 {version}

read {n:int} enterprises from {name} ({empty:int} empty rows skipped)
    从 {name} 读取 {n} 家企业（跳过 {empty} 个空行）

read {n:int} enterprises from {name}
    从 {name} 读取 {n} 家企业

enterprises: {added:int} new, {changed:int} changed, {removed:int} removed, {same:int} unchanged
(version {version:int})
    企业：新增 {added} 家，变更 {changed} 家，删除 {removed} 家，未变 {same} 家（版本 {version}）

new: {names}
    新增：{names}

changed: {names}
    变更：{names}

removed: {names}
    删除：{names}

details: table ledger_problems in the project; 'gridgis report' writes them to Excel
    详情见工程中的 ledger_problems 表；'gridgis report' 可把它们写成 Excel 工作簿

read {n:int} people from {name} (sheet '{sheet}') ({empty:int} empty rows skipped)
    从 {name}（工作表 '{sheet}'）读取 {n} 人（跳过 {empty} 个空行）

read {n:int} people from {name} (sheet '{sheet}')
    从 {name}（工作表 '{sheet}'）读取 {n} 人

read {n:int} people from {name} ({empty:int} empty rows skipped)
    从 {name} 读取 {n} 人（跳过 {empty} 个空行）

read {n:int} people from {name}
    从 {name} 读取 {n} 人

base grids with a 网格员: {served:int} of {grids:int}
    有网格员的基础网格：{grids} 个中有 {served} 个

base grids with a 网格员: {served:int} of {grids:int}; {without:int} without one count the default
members of the rules (data/rules.toml)
    有网格员的基础网格：{grids} 个中有 {served} 个；没有网格员的 {without} 个网格按规则
    （data/rules.toml）中的默认人数计算

base grids: none yet; run 'gridgis divide' to share the 网格员 among grids
    还没有基础网格；运行 'gridgis divide' 后网格员才能分到各网格

staff: {added:int} new, {changed:int} changed, {removed:int} removed, {same:int} unchanged
(version {version:int})
    网格人员：新增 {added} 人，变更 {changed} 人，删除 {removed} 人，未变 {same} 人（版本
    {version}）

rows {rows:int} = territorial {territorial:int} + sector {sector:int} + unassigned
{unassigned:int}
    台账 {rows} 行 = 属地 {territorial} + 行业专属 {sector} + 未落格 {unassigned}

declared village differs from located village: {n:int} rows; grids still over capacity:
{over:int}; version {version:int}
    所填村与坐标所在村不符：{n} 行；仍超出承载能力的网格：{over} 个；版本 {version}

grids: {territorial:int} territorial ({communities:int} communities, {villages:int} villages,
{other:int} other areas), {sector:int} sector
    网格：属地网格 {territorial} 个（社区 {communities} 个，村 {villages} 个，其他区域
    {other} 个），行业专属网格 {sector} 个

units: {ledger:int} in the ledger, {placed:int} placed, {rented:int} rented or abandoned plants
    单位：台账内 {ledger} 家，已落格 {placed} 家，出租或废弃厂房 {rented} 处

agrees with the last assign: {line:msg}
    与最近一次 assign 一致：{line}

DISAGREES with the last assign: {line:msg}
    与最近一次 assign 不一致：{line}

{cards:int} cards on {pages:int} pages ({files:int} files) in {path}
    {cards} 张卡，共 {pages} 页（{files} 个文件），在 {path}

{n:int} notices, {files:int} files in {path}
    {n} 份公示，{files} 个文件，在 {path}

{n:int} villages changed after version {version:int}; {same:int} unchanged
    版本 {version} 之后有变化的村/社区 {n} 个；未变 {same} 个

{grids:int} grids, {units:int} enterprises, {books:int} workbooks
    {grids} 个网格，{units} 家企业，{books} 个工作簿

{n:int} enterprises are in no grid's ledger: they were not placed (see gridgis report)
    {n} 家企业不在任何网格的台账中：它们未落格（见 gridgis report）

{grids:int} grids of version {version:int} on {paper}
    版本 {version} 的 {grids} 个网格，{paper} 纸

{n:int} labels had no room and were left out (a larger --paper or --township shows them)
    {n} 个标注放不下，已省略（换更大的 --paper 或用 --township 可显示）

opens offline: every script and style is inside the file, nothing is loaded
    可离线打开：脚本和样式都在文件内，不加载任何外部资源

{name} is up to date (store layout {layout})
    {name} 已是最新（存储结构 {layout}）

upgraded {name} from store layout {old} to {new} (version {version:int})
    已把 {name} 从存储结构 {old} 升级到 {new}（版本 {version}）

created the registry of prefecture {code} in {path}
    已在 {path} 新建市 {code} 的备案库

created the registry of region {code} in {path}
    已在 {path} 新建自治区 {code} 的备案库

{name}: clean — filing {filing} of {county} ({code}), versions {first} → {last}, {n:int} current
grids
    {name}：没有问题 —— {county}（{code}）的备案 {filing}，版本 {first} → {last}，现行网格
    {n} 个

{name}: {n:int} problems
    {name}：发现 {n} 个问题

filing {filing} (number {number:int}, baseline): versions {first} → {last}; {changes:list}; grids:
{before:int} before, {after:int} after, {current:int} current
    备案 {filing}（第 {number} 次，基线）：版本 {first} → {last}；{changes}；网格：before
    {before} 个，after {after} 个，current {current} 个

filing {filing} (number {number:int}, follows {previous}): versions {first} → {last};
{changes:list}; grids: {before:int} before, {after:int} after, {current:int} current
    备案 {filing}（第 {number} 次，接续 {previous}）：版本 {first} → {last}；{changes}；网格：
    before {before} 个，after {after} 个，current {current} 个

applied filing {filing} of {county} ({code}), number {number:int}, versions {first} → {last}:
{closed:int} grids ended, {added:int} added; {current:int} current grids in {target}
    已入库{county}（{code}）的第 {number} 次备案 {filing}，版本 {first} → {last}：终止网格
    {closed} 个，新增 {added} 个；{target} 中现行网格 {current} 个

filing {filing} was applied already (on {when}); nothing changed
    备案 {filing} 已于 {when} 入库；没有改动

{rows:int} rows of {name}: {new:int} new reports, {before:int} imported before; {spot:int} closed
on the spot, {departments:int} to departments ({version:msg})
    {name} 共 {rows} 行：新的隐患上报 {new} 条，以前已导入 {before} 条；当场整改办结 {spot} 条，
    分派到部门 {departments} 条（{version}）

{rows:int} rows of {name}: {new:int} new reports; {spot:int} closed on the spot, {departments:int}
to departments ({version:msg})
    {name} 共 {rows} 行：新的隐患上报 {new} 条；当场整改办结 {spot} 条，分派到部门
    {departments} 条（{version}）

{rows:int} changes to {reports:int} reports ({states}); {extra:list} ({version:msg})
    {reports} 条上报共 {rows} 次变更（{states}）；{extra}（{version}）

{rows:int} changes to {reports:int} reports ({states}) ({version:msg})
    {reports} 条上报共 {rows} 次变更（{states}）（{version}）

{rows:int} changes to {reports:int} reports; {extra:list} ({version:msg})
    {reports} 条上报共 {rows} 次变更；{extra}（{version}）

{rows:int} changes to {reports:int} reports ({version:msg})
    {reports} 条上报共 {rows} 次变更（{version}）

version {version:int}
    版本 {version}

nothing changed
    没有改动

{n:int} reopened
    重新打开 {n} 条

{n:int} sent back
    退回 {n} 条

{n:int} rows recorded before
    以前已录入 {n} 行

nothing changed; {name} keeps version {version:int}
    没有改动；{name} 仍为版本 {version}

version {before:int} → {after:int}: {counts}
    版本 {before} → {after}：{counts}

hazard reports on {date} (version {version:int}):
    截至 {date} 的隐患上报（版本 {version}）：

# -- gridgis demo: one line per step, then the files --------------------------------------

贺兰县 (640122): the real outline, with fictional townships, villages, enterprises and staff;
writing to {path}
    贺兰县（640122）：县界真实，乡镇、村、企业和网格人员均为虚构；写入 {path}

== {n:int}. {step:word}: {line:msg}
    == {n}. {step}：{line}

{n:int}. {step:word}{gap:gap}{line:msg}
    {n}. {step}{gap}{line}

{counties:int} county, {townships:int} townships, {villages:int} villages (a GBK shapefile
without .cpg)
    {counties} 个县，{townships} 个乡镇/街道，{villages} 个村/社区（GBK 编码、没有 .cpg 的
    shapefile）

clean (codes, geometry, containment, overlaps, gaps, area, slivers)
    没有问题（编码、几何、包含关系、重叠、缝隙、覆盖范围、碎片）

{n:int} problems in the boundaries (see {path})
    界线中有 {n} 个问题（见 {path}）

{villages:int} villages → {grids:int} base grids of ≤ {households:int} households along roads and
canals; largest load {ratio} × limit; {tiled:int} of {all:int} villages tiled exactly
    {villages} 个村 → {grids} 个基础网格，每格不超过 {households} 户，沿道路和沟渠划分；最大
    负荷为上限的 {ratio} 倍；{all} 个村中 {tiled} 个恰好铺满

village {code} at ≤ {households:int} households: codes {kept:int} kept, {issued:int} issued,
{retired:int} retired; grids {changes:list} ({diff})
    村 {code} 按每格不超过 {households} 户重新划分：编码保留 {kept} 个，新发 {issued} 个，
    注销 {retired} 个；网格{changes}（{diff}）

{n:int} enterprises from {name}; {problems:int} problems flagged, none dropped
    从 {name} 导入 {n} 家企业；标出 {problems} 个问题，没有丢弃任何一行

{n:int} people, {members:int} 网格员; {served:int} of {grids:int} base grids have a 网格员
    {n} 人，其中网格员 {members} 人；{grids} 个基础网格中 {served} 个配有网格员

{n:int} ledger rows to fix at source, on {sheets:int} sheets: {counts:list}
    台账中有 {n} 行要在源头改正，分布在 {sheets} 个工作表：{counts}

grids for QGIS, assignments for Excel
    网格供 QGIS 使用，落格结果供 Excel 使用

{territorial:int} territorial + {sector:int} sector grids; units {ledger:int} in the ledger,
{placed:int} placed, {rented:int} rented or abandoned (agrees with the assign line)
    属地网格 {territorial} 个 + 行业专属网格 {sector} 个；单位：台账内 {ledger} 家，已落格
    {placed} 家，出租或废弃 {rented} 处（与落格守恒式一致）

{territorial:int} territorial + {sector:int} sector grids; units {ledger:int} in the ledger,
{placed:int} placed, {rented:int} rented or abandoned (DISAGREES with the assign line)
    属地网格 {territorial} 个 + 行业专属网格 {sector} 个；单位：台账内 {ledger} 家，已落格
    {placed} 家，出租或废弃 {rented} 处（与落格守恒式不一致）

skipped: {reason:msg}
    已跳过：{reason}

village {code}: 公示 of {grids:int} grids and {cards:int} 网格员 cards ({kinds:msg}); the
county's {all:int} grids on A3 (supervision.png)
    村 {code}：{grids} 个网格的公示和 {cards} 张网格员责任告知卡（{kinds}）；全县 {all} 个
    网格的 A3 示意图（supervision.png）

HTML and PDF
    HTML 和 PDF

HTML only (no Chromium, Chrome or Edge to print PDF)
    仅 HTML（没有能打印 PDF 的 Chromium、Chrome 或 Edge）

baseline {first} ({grids:int} grids); villages {villages:msg} re-divided at ≤ {households:int}
households and re-assigned ({line:msg}); filing {second}: {changes:list}
    基线备案 {first}（{grids} 个网格）；村 {villages} 按每格不超过 {households} 户重新划分并
    重新落格（{line}）；备案 {second}：{changes}

{first:word} and {second:word}
    {first} 和 {second}

both filings verified clean and applied, in order, to a fresh registry of prefecture {code}:
{n:int} current grids of {county}
    两次备案校验无误，并按顺序入库到新建的市 {code} 备案库：{county} 现行网格 {n} 个

{reports:int} reports routed ({spot:int} closed on the spot, {departments:int} to departments),
{changes:int} changes fed back ({reopened:int} reopened with a reason); on {date}: {open:int}
open, {overdue:int} overdue, {on_time:int} closed on time, {late:int} closed late
    分派隐患上报 {reports} 条（当场整改办结 {spot} 条，分派到部门 {departments} 条），录入
    办理反馈 {changes} 次（有理由重新打开 {reopened} 条）；截至 {date}：在办 {open} 条，
    超期 {overdue} 条，按期办结 {on_time} 条，超期办结 {late} 条

{reports:int} reports routed ({spot:int} closed on the spot, {departments:int} to departments),
{changes:int} changes fed back ({reopened:int} reopened with a reason); on {date}: {open:int}
open, {overdue:int} overdue, {on_time:int} closed on time, {late:int} closed late (most overdue:
{worst:list})
    分派隐患上报 {reports} 条（当场整改办结 {spot} 条，分派到部门 {departments} 条），录入
    办理反馈 {changes} 次（有理由重新打开 {reopened} 条）；截至 {date}：在办 {open} 条，
    超期 {overdue} 条，按期办结 {on_time} 条，超期办结 {late} 条（超期最多：{worst}）

{path}: {grids:int} base grids, {units:int} units ({unassigned:int} unassigned), {size} MiB,
opens offline
    {path}：基础网格 {grids} 个，单位 {units} 家（未落格 {unassigned} 家），{size} MiB，
    可离线打开

project, open in QGIS{gap:gap}{path}
    工程文件，用 QGIS 打开{gap}{path}

problems found by check{gap:gap}{path}
    check 发现的问题{gap}{path}

data-quality workbook{gap:gap}{path}
    数据质量工作簿{gap}{path}

grids{gap:gap}{path}
    网格{gap}{path}

assignments{gap:gap}{path}
    落格结果{gap}{path}

documents to print{gap:gap}{path}
    待打印的文书{gap}{path}

filing: baseline{gap:gap}{path}
    备案：基线{gap}{path}

filing: changes{gap:gap}{path}
    备案：变更{gap}{path}

prefecture registry{gap:gap}{path}
    市级备案库{gap}{path}

hazard reports (XLSX){gap:gap}{path}
    隐患上报（XLSX）{gap}{path}

supervision map (HTML){gap:gap}{path}
    监管示意图（HTML）{gap}{path}

Each step's full report: gridgis -v demo
    每个步骤的完整报告：gridgis -v demo

# -- items of the lists above (changes of grids) ----------------------------------

{n:int} new
    新增 {n}

{n:int} split
    拆分 {n}

{n:int} merged
    合并 {n}

{n:int} boundary changed
    边界变更 {n}

{n:int} changed
    变更 {n}

{n:int} retired
    注销 {n}

{n:int} unchanged
    未变 {n}
"""
