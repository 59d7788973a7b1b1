"""The Chinese of errors: gridgis's, and click's usage errors (format: :mod:`gridgis.cli.zh`).

Messages are tried in order, so a specific one comes before a general one. What commands
report is in :mod:`gridgis.cli.zh_messages`, tried after these.
"""

TABLE = r"""
# -- framing: gridgis's errors, interruptions, notes --------------------------------------

Error: {message:msg}
    错误：{message}

Interrupted; nothing was changed.
    已中断；没有做任何改动。

Internal error: {kind}: {message} (run with --verbose for the traceback and please report it)
    内部错误：{kind}: {message}（加 --verbose 运行可看到调用栈，请报告此问题）

note: {message:msg}
    注意：{message}

Note: {message:msg}
    注意：{message}

warning: {message:msg}
    警告：{message}

# -- click's usage errors -----------------------------------------------------------------

Usage: {usage}
    用法：{usage}

Try '{command}' for help.
    运行 '{command}' 查看帮助。

No such option: {option}
    没有选项 {option}

No such option '{option}'.
    没有选项 '{option}'。

No such option '{option}'. {more:msg}
    没有选项 '{option}'。{more}

Did you mean {option}?
    您是想用 {option} 吗？

(Did you mean one of: {options}?)
    （您是想用其中之一吗：{options}？）

No such command '{name}'.
    没有命令 '{name}'。

No such command '{name}'. {more:msg}
    没有命令 '{name}'。{more}

Missing command.
    缺少命令。

Missing argument '{name}'.
    缺少参数 '{name}'。

Missing option '{name}'.
    缺少选项 '{name}'。

Missing option '{name}'. Choose from:
    缺少选项 '{name}'。可选值：

Missing parameter: {name}
    缺少参数：{name}

Invalid value for {name}: {message:msg}
    {name} 的值无效：{message}

Invalid value: {message:msg}
    值无效：{message}

'{value}' is not a valid integer.
    '{value}' 不是有效的整数。

'{value}' is not a valid float.
    '{value}' 不是有效的数。

'{value}' is not a valid boolean. Recognized values: {values}
    '{value}' 不是有效的布尔值。可用的值：{values}

'{value}' is not one of {choices}.
    '{value}' 不在可选值 {choices} 之中。

'{value}' is not {choice}.
    '{value}' 不是 {choice}。

{value} is not in the range {range}.
    {value} 不在范围 {range} 内。

File '{path}' does not exist.
    文件 '{path}' 不存在。

Directory '{path}' does not exist.
    文件夹 '{path}' 不存在。

Path '{path}' does not exist.
    路径 '{path}' 不存在。

File '{path}' is a directory.
    '{path}' 是文件夹，不是文件。

Directory '{path}' is a file.
    '{path}' 是文件，不是文件夹。

Got unexpected extra argument ({arguments})
    多余的参数（{arguments}）

Got unexpected extra arguments ({arguments})
    多余的参数（{arguments}）

Option '{option}' requires an argument.
    选项 '{option}' 需要一个值。

Option '{option}' requires {n:int} arguments.
    选项 '{option}' 需要 {n} 个值。

Option '{option}' does not take a value.
    选项 '{option}' 不接受值。

# -- gridgis's own bad option values (exit 2) ---------------------------------------------

must be greater than 0, not {value}
    必须大于 0，而不是 {value}

must be a finite number greater than 0, not {value}
    必须是大于 0 的有限数，而不是 {value}

must be a number of degrees from {low} to {high}
    必须是 {low} 到 {high} 之间的度数

'{value}' is not a known text encoding; try GBK, GB18030 or UTF-8
    '{value}' 不是已知的文本编码；可以用 GBK、GB18030 或 UTF-8

'{value}' is not a coordinate reference system; give one such as EPSG:4326 (WGS 84) or EPSG:4490
(CGCS2000)
    '{value}' 不是坐标参照系；请给出如 EPSG:4326（WGS 84）或 EPSG:4490（CGCS2000）的坐标
    参照系

{codes}: a village code has 12 digits (e.g. 640122101204)
    {codes}：村/社区代码为 12 位（如 640122101204）

{codes}: a township code has 9 digits (e.g. 640122101)
    {codes}：乡镇/街道代码为 9 位（如 640122101）

{codes}: a county code has 6 digits (e.g. 640122)
    {codes}：县代码为 6 位（如 640122）

'{value}' is not a grid code (16 characters, e.g. 6401221012040011)
    '{value}' 不是网格编码（网格编码为 16 位，如 6401221012040011）

{name}: a filing is a .zip file
    {name}：备案包应为 .zip 文件

give only one of --village and --township
    --village 和 --township 只能给出一个

give only one of --grid, --village and --township
    --grid、--village 和 --township 只能给出一个

give both LON and LAT
    LON 和 LAT 要同时给出

give exactly one of: LON LAT, --address, --uscc, --points
    LON LAT、--address、--uscc、--points 四者必须给出且只给出一个

--points needs -o OUT.csv (or .xlsx)
    --points 需要配合 -o OUT.csv（或 .xlsx）

-o is for --points
    -o 只用于 --points

--json prints one answer; --points writes a file
    --json 输出单个结果，--points 写出文件，两者不能同时使用

layer {layer} has no levels
    图层 {layer} 没有级别之分

--overwrite has no meaning for standard output
    输出到标准输出时，--overwrite 没有意义

the title must not be empty
    标题不能为空

# -- gridgis's errors (exit 1) ------------------------------------------------------------

project {path} does not exist; create it with 'gridgis init'
    工程文件 {path} 不存在；请先用 'gridgis init' 新建

registry {path} does not exist; create it with 'gridgis registry init'
    备案库 {path} 不存在；请先用 'gridgis registry init' 新建

{path} is not a GeoPackage ({reason})
    {path} 不是 GeoPackage 文件（{reason}）

grids.gpkg is not a GeoPackage: {reason}
    grids.gpkg 不是 GeoPackage 文件：{reason}

project {name} is in use by another gridgis command ({holder}); waited {seconds} s. Try again when
it has finished
    工程文件 {name} 正被另一个 gridgis 命令使用（{holder}）；已等待 {seconds} 秒。请等它结束后
    再试

project {path} is read-only (mode {mode}); gridgis will not change it. Make it writable first
(chmod u+w {name}) or work on a copy
    工程文件 {path} 是只读的（权限 {mode}）；gridgis 不会修改它。请先设为可写（chmod u+w
    {name}），或在副本上操作

project {path} is read-only (mode {mode}); gridgis will not replace it. Make it writable first
(chmod u+w {name}) or work on a copy
    工程文件 {path} 是只读的（权限 {mode}）；gridgis 不会覆盖它。请先设为可写（chmod u+w
    {name}），或在副本上操作

{path} already exists; pass --overwrite to replace it
    {path} 已存在；如要覆盖，请加 --overwrite

folder {path} does not exist
    文件夹 {path} 不存在

ledger file not found: {path}
    找不到台账文件：{path}

roster file not found: {path}
    找不到人员名册文件：{path}

hazard reports file not found: {path}
    找不到隐患上报文件：{path}

feedback file not found: {path}
    找不到办理反馈文件：{path}

points file not found: {path}
    找不到点位文件：{path}

departments file not found: {path}
    找不到部门配置文件：{path}

file not found: {path}
    找不到文件：{path}

{path} is the project {name}; an export never replaces a project. Choose another output file
    {path} 就是工程文件 {name}；导出绝不会覆盖工程文件。请另选输出文件

version {version:int} does not exist; versions run from 1 to {last:int}
    版本 {version} 不存在；现有版本为 1 到 {last}

version {version:int} does not exist in {name}; versions run from 1 to {last:int}
    {name} 中没有版本 {version}；现有版本为 1 到 {last}

{name} has no base grids; run 'gridgis divide' first
    {name} 还没有基础网格；请先运行 'gridgis divide'

{name} has no grids; run 'gridgis divide' first
    {name} 还没有网格；请先运行 'gridgis divide'

{name} has no grids yet; run 'gridgis divide' first
    {name} 还没有网格；请先运行 'gridgis divide'

the project has no base grids yet; run 'gridgis divide' first
    工程还没有基础网格；请先运行 'gridgis divide'

{name} has no imported ledger; run 'gridgis enterprises import'
    {name} 还没有导入企业台账；请先运行 'gridgis enterprises import'

{name} has no assignments; run 'gridgis assign' first, so that each enterprise is in a grid's
ledger
    {name} 还没有落格结果；请先运行 'gridgis assign'，让每家企业进入所在网格的台账

{name} has no staff roster, and {document} name the grid staff: import one with 'gridgis staff
import' first
    {name} 还没有网格人员名册，而 {document} 要写明网格人员：请先用 'gridgis staff import'
    导入名册

cannot tell the format of {name}: name it {suffixes}, or give --driver
    无法判断 {name} 的格式：文件名后缀应为 {suffixes} 之一，或用 --driver 指定格式

unknown county: {code} is not one of the {n:int} counties of {region}
    未知的县：{code} 不是{region}的 {n} 个县之一

{source}: {n:int} roster row cannot be imported, so nothing was changed: {details}
    {source}：名册中有 {n} 行无法导入，因此没有做任何改动：{details}

{source}: {n:int} roster rows cannot be imported, so nothing was changed: {details}
    {source}：名册中有 {n} 行无法导入，因此没有做任何改动：{details}

{source}: {n:int} hazard report row cannot be imported, so nothing was changed: {details}
    {source}：有 {n} 行隐患上报无法导入，因此没有做任何改动：{details}

{source}: {n:int} hazard report rows cannot be imported, so nothing was changed: {details}
    {source}：有 {n} 行隐患上报无法导入，因此没有做任何改动：{details}

{source}: {n:int} feedback row cannot be applied, so nothing was changed: {details}
    {source}：有 {n} 行办理反馈无法录入，因此没有做任何改动：{details}

{source}: {n:int} feedback rows cannot be applied, so nothing was changed: {details}
    {source}：有 {n} 行办理反馈无法录入，因此没有做任何改动：{details}

the rows do not add up; some enterprises were lost
    行数对不上，有企业丢失

{name} was refused; nothing was changed:
    {name} 被拒绝入库，没有做任何改动：
"""
