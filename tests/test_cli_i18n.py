"""The command line in Chinese: language choice, every help text, messages and errors."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from conftest import run

from gridgis.cli import i18n
from gridgis.cli.i18n import language, localise, missing_translations, translate_message, wrap
from gridgis.cli.main import cli
from gridgis.render.text import display_width

ZH = {"GRIDGIS_LANG": "zh"}
EN = {"GRIDGIS_LANG": "en"}

#: Three English words in a row: a sentence left untranslated.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}( [A-Za-z]{2,}){2,}")
#: What may stay English in Chinese help: option names, metavars, choices, paths and file names.
KEPT = [
    re.compile(r"(?<![\w])--?[A-Za-z][\w-]*"),  # --max-load, -o
    re.compile(r"\[[^\]\n]*\|[^\]\n]*\]"),  # [table|csv|json]
    re.compile(r"\b[A-Z][A-Z0-9_-]*(\.[A-Za-z]+)?\b"),  # PROJECT.gpkg, FILE, INTEGER RANGE
    re.compile(r"\S*[./]\S*"),  # data/rules.toml, maps/county.html, .xlsx
]


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """Leave the command tree in English for the tests that follow."""
    yield
    localise(cli, "en")


def command_paths(group: click.Command = cli, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand, as the words that name it."""
    paths = [path]
    if isinstance(group, click.Group):
        for name in sorted(group.commands):
            paths += command_paths(group.commands[name], (*path, name))
    return paths


def help_of(path: tuple[str, ...], env: dict[str, str]) -> Result:
    return CliRunner().invoke(
        cli, [*path, "--help"], env=env, terminal_width=80, prog_name="gridgis"
    )


def english_runs(text: str) -> list[str]:
    """Lines of help with an English sentence left, command examples and names aside."""
    found = []
    for line in text.splitlines():
        if "gridgis " in line:
            continue
        stripped = line
        for kept in KEPT:
            stripped = kept.sub(" ", stripped)
        if ENGLISH_RUN.search(stripped):
            found.append(line)
    return found


# -- the language ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.GB18030"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": ""}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, "zh"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        # LANGUAGE comes first, and its first language gridgis speaks counts
        ({"LANGUAGE": "zh_CN:en_US:en", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LANGUAGE": "en_US:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:zh_CN", "LANG": "C"}, "zh"),
        ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh"),
        # GRIDGIS_LANG overrides everything
        ({"GRIDGIS_LANG": "zh", "LANG": "C", "LANGUAGE": "en"}, "zh"),
        ({"GRIDGIS_LANG": "en", "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"GRIDGIS_LANG": "zh_CN"}, "zh"),
        ({"GRIDGIS_LANG": "", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_language_is_read_from_the_environment_as_gettext_reads_it(environ, expected) -> None:
    assert language(environ) == expected


def test_the_language_follows_the_environment_of_each_run(monkeypatch) -> None:
    monkeypatch.delenv("GRIDGIS_LANG", raising=False)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "用法：" in CliRunner().invoke(cli, ["--help"]).output
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert CliRunner().invoke(cli, ["--help"]).output.startswith("Usage: ")


# -- every help text ------------------------------------------------------------------------


def test_the_table_holds_every_help_text() -> None:
    assert missing_translations(cli) == []


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "gridgis")
def test_every_help_reads_in_chinese(path: tuple[str, ...]) -> None:
    chinese = help_of(path, ZH)
    assert chinese.exit_code == 0, chinese.output
    text = chinese.output
    assert "\\b" not in text and "\b" not in text
    assert text.startswith("用法：")
    assert "选项：" in text and "显示本帮助并退出。" in text
    assert english_runs(text) == []
    english = help_of(path, EN).output
    assert text != english
    # Every line of text but the examples and option lists is Chinese.
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 20


def test_chinese_help_keeps_the_examples_and_option_names() -> None:
    divide = help_of(("divide",), ZH).output
    assert "示例：\n    gridgis divide helan.gpkg --by households --max-load 300 \\\n" in divide
    assert "--max-load FLOAT" in divide and "[必填]" in divide and "[默认：0]" in divide
    export = help_of(("export",), ZH).output
    assert "assignments:  落格结果" in export  # a \b block translated whole, as laid out
    top = help_of((), ZH).output
    assert "命令：\n  assign       把企业落到属地网格或行业专属网格。\n" in top
    assert "用法：gridgis [选项] 命令 [参数]..." in top


def test_chinese_help_fits_the_terminal() -> None:
    by_hand = ("gridgis ", "grids:", "assignments:", "admin_units:", "enterprises:", "staff:")
    for path in command_paths():
        for line in help_of(path, ZH).output.splitlines():
            if line.lstrip().startswith(by_hand):
                continue  # examples and the export layers are laid out by hand
            assert display_width(line) <= 80, (path, line)
            assert not line.lstrip().startswith(("，", "。", "、", "）", "：")), (path, line)


FRESH_PROCESS = """
import json
from click.testing import CliRunner
from gridgis.cli.main import cli

def paths(group, path=()):
    yield path
    for name in sorted(getattr(group, "commands", {})):
        yield from paths(group.commands[name], (*path, name))

def helps(language):
    return {
        " ".join(path): CliRunner().invoke(
            cli, [*path, "--help"], env={"GRIDGIS_LANG": language}, prog_name="gridgis"
        ).output
        for path in paths(cli)
    }

print(json.dumps({"before": helps("en"), "chinese": helps("zh"), "after": helps("en")}))
"""


def test_english_help_is_restored_after_chinese() -> None:
    # In a fresh process: the first English help is the original, nothing ran before it.
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True, check=True
    )
    helps = json.loads(done.stdout)
    assert set(helps["before"]) == {" ".join(path) for path in command_paths()}
    for path, original in helps["before"].items():
        assert helps["after"][path] == original, path
        assert helps["chinese"][path] != original, path
        assert original.startswith("Usage: gridgis")
        assert not re.search("用法|选项|命令|默认|必填|显示本帮助", original), path
    # And in this process, whatever ran before.
    before = {path: help_of(path, EN).output for path in command_paths()}
    for path in command_paths():
        assert help_of(path, ZH).exit_code == 0
    assert {path: help_of(path, EN).output for path in command_paths()} == before


def test_english_usage_errors_are_unchanged() -> None:
    result = run("divide", "x.gpkg", "--bogus", env=EN, prog_name="gridgis")
    assert result.exit_code == 2
    assert "Usage: gridgis divide [OPTIONS] PROJECT.gpkg" in result.output
    assert "Try 'gridgis divide --help' for help." in result.output
    assert "Error: No such option" in result.output


# -- the examples in the help ---------------------------------------------------------------


def help_examples() -> dict[str, list[str]]:
    """The command lines shown as examples in the English help, as written and as words."""
    examples = {}
    for path in command_paths():
        joined = re.sub(r"\\\n\s*", "", help_of(path, EN).output)  # continued lines joined
        for line in joined.splitlines():
            found = re.fullmatch(r"\s*(?:Example: )?(gridgis \S.*)", line)
            if found:
                examples[found.group(1)] = shlex.split(found.group(1).split(" > ")[0])
    return examples


def parse(args: list[str]) -> click.Context:
    """Parse a command line down to its command (options, values, callbacks), running nothing."""
    command: click.Command = cli
    context = cli.make_context("gridgis", [], resilient_parsing=True)
    words = list(args[1:])
    while isinstance(command, click.Group):
        name = words.pop(0)
        command = command.commands[name]
        if isinstance(command, click.Group):
            context = command.make_context(name, [], parent=context, resilient_parsing=True)
    return command.make_context(name, words, parent=context)


def test_the_examples_are_found() -> None:
    examples = help_examples()
    assert len(examples) >= 10
    assert examples["gridgis code check 6401221012010015"] == [
        "gridgis",
        "code",
        "check",
        "6401221012010015",
    ]
    written = 'gridgis filing create helan.gpkg --note "谢家井村拆分" -o filing.zip'
    assert examples[written][5] == "谢家井村拆分"


def test_every_example_parses_and_stays_in_the_chinese_help() -> None:
    chinese = "\n".join(help_of(path, ZH).output for path in command_paths())
    chinese = re.sub(r"\\\n\s*", "", chinese)
    for written, words in help_examples().items():
        parse(words)  # raises click.UsageError for an unknown option or a bad value
        assert written in chinese


def test_the_examples_run_in_chinese(tmp_path: Path, demo_assigned: Path) -> None:
    work = tmp_path / "examples"
    work.mkdir()
    shutil.copyfile(demo_assigned, work / "helan.gpkg")
    starting = Path.cwd()
    os.chdir(work)
    try:
        assert (
            run("registry", "init", "registry.gpkg", "--prefecture", "640100", env=ZH).exit_code
            == 0
        )
        for example in help_examples().values():
            if example[1] in ("divide", "init"):
                continue  # dividing the whole county takes a minute; init runs below
            result = run(*example[1:], env=ZH)
            assert result.exit_code == 0, (example, result.output)
    finally:
        os.chdir(starting)


def test_the_init_example_runs_in_chinese(tmp_path: Path) -> None:
    from gridgis.paths import DEMO_DIR

    for part in (DEMO_DIR / "villages_gbk").iterdir():
        shutil.copyfile(part, tmp_path / part.name)
    shutil.copyfile(DEMO_DIR / "townships.geojson", tmp_path / "townships.geojson")
    (example,) = [e for e in help_examples().values() if e[1] == "init"]
    starting = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = run(*example[1:], env=ZH)
    finally:
        os.chdir(starting)
    assert result.exit_code == 0, result.output
    assert "行政区划：1 个县，9 个乡镇/街道，119 个村/社区" in result.output
    assert "已新建 helan.gpkg（版本 1）" in result.output


# -- errors and messages --------------------------------------------------------------------


def test_usage_errors_in_chinese_keep_exit_code_2() -> None:
    unknown = run("divide", "x.gpkg", "--max-lod", "3", env=ZH, prog_name="gridgis")
    assert unknown.exit_code == 2
    assert unknown.output.startswith("用法：gridgis divide [选项] PROJECT.gpkg\n")
    assert "运行 'gridgis divide --help' 查看帮助。" in unknown.output
    assert "错误：没有选项 '--max-lod'。您是想用 '--max-load' 吗？" in unknown.output
    bad = run("divide", "x.gpkg", "--by", "area", "--max-load", "-1", env=ZH, prog_name="gridgis")
    assert bad.exit_code == 2
    assert "错误：'--max-load' 的值无效：必须大于 0，而不是 -1" in bad.output
    choice = run("divide", "x.gpkg", "--by", "x", "--max-load", "1", env=ZH, prog_name="gridgis")
    assert choice.exit_code == 2
    assert "'x' 不在可选值 'enterprises', 'households', 'area' 之中" in choice.output
    missing = run("divide", env=ZH, prog_name="gridgis")
    assert missing.exit_code == 2 and "错误：缺少参数 'PROJECT.gpkg'。" in missing.output
    group = run("--bogus", env=ZH, prog_name="gridgis")
    assert group.exit_code == 2 and "用法：gridgis [选项] 命令 [参数]..." in group.output
    command = run("frob", env=ZH, prog_name="gridgis")
    assert command.exit_code == 2 and "错误：没有命令 'frob'。" in command.output
    for result in (unknown, bad, choice, missing, group, command):
        assert "Error" not in result.output and "Usage" not in result.output


def test_gridgis_errors_in_chinese_keep_exit_code_1(tmp_path: Path) -> None:
    result = run("log", tmp_path / "missing.gpkg", env=ZH)
    assert result.exit_code == 1
    assert result.output.startswith("错误：工程文件 ")
    assert "missing.gpkg 不存在；请先用 'gridgis init' 新建" in result.output
    not_a_project = tmp_path / "notes.gpkg"
    not_a_project.write_text("not a GeoPackage")
    result = run("log", not_a_project, env=ZH)
    assert result.exit_code == 1 and result.output.startswith("错误：")
    assert "不是 GeoPackage 文件" in result.output


def test_internal_errors_and_interruptions_in_chinese(monkeypatch, demo_project: Path) -> None:
    import gridgis.project.check

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(gridgis.project.check, "check_project", broken)
    result = run("check", demo_project, env=ZH)
    assert result.exit_code == 1
    assert result.output.startswith("内部错误：ZeroDivisionError: boom（加 --verbose 运行")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(gridgis.project.check, "check_project", interrupted)
    result = run("check", demo_project, env=ZH)
    assert result.exit_code == 130
    assert "已中断；没有做任何改动。" in result.output


def test_reports_in_chinese_keep_their_tables(demo_project: Path) -> None:
    result = run("check", demo_project, env=ZH)
    assert result.exit_code == 0, result.output
    assert "检查 check" in result.output and "重叠 overlaps" in result.output  # the table
    assert result.output.rstrip().endswith("helan.gpkg：没有问题")
    assert run("-q", "check", demo_project, env=ZH).output == ""
    english = run("check", demo_project, env=EN)
    assert english.output.rstrip().endswith("helan.gpkg: clean")


def test_summaries_of_the_main_commands_in_chinese(tmp_path: Path, demo_assigned: Path) -> None:
    from gridgis.paths import DEMO_DIR

    project = tmp_path / "helan.gpkg"
    shutil.copyfile(demo_assigned, project)
    staff = run("staff", "import", project, DEMO_DIR / "staff.xlsx", env=ZH)
    assert staff.exit_code == 0, staff.output
    assert "从 staff.xlsx（工作表 '网格人员'）读取" in staff.output
    assert "有网格员的基础网格：" in staff.output and "网格人员：新增" in staff.output
    assigned = run("assign", project, env=ZH)
    assert assigned.exit_code == 0, assigned.output
    assert re.search(r"台账 3000 行 = 属地 \d+ \+ 行业专属 \d+ \+ 未落格 \d+", assigned.output)
    assert "行业专属网格 sector rule" in assigned.output  # the bilingual table stays
    exported = run("export", project, "--level", "base", "-o", tmp_path / "base.gpkg", env=ZH)
    assert exported.exit_code == 0, exported.output
    assert re.fullmatch(r"已将 \d+ 个网格写入 \S+base\.gpkg\n", exported.output)


def test_every_line_of_the_demo_has_chinese(demo_run, monkeypatch) -> None:
    # gridgis demo prints its summary with click.echo; the table must cover each line.
    _, output = demo_run
    monkeypatch.setenv("GRIDGIS_LANG", "zh")
    for line in output.splitlines():
        if not line.strip():
            continue
        chinese = translate_message(line)
        assert chinese != line, line
        assert english_runs(chinese) == [], chinese
    assert translate_message(output).count("\n") == output.count("\n")


def test_messages_stay_english_in_english(monkeypatch) -> None:
    monkeypatch.setenv("GRIDGIS_LANG", "en")
    line = "rows 3000 = territorial 2367 + sector 631 + unassigned 2"
    assert translate_message(line) == line
    monkeypatch.setenv("GRIDGIS_LANG", "zh")
    assert translate_message(line) == "台账 3000 行 = 属地 2367 + 行业专属 631 + 未落格 2"
    # a line no entry matches (a table row) passes unchanged, indentation kept
    row = "  640122101204  block  272.8  split"
    assert translate_message(row) == row
    assert translate_message("  note: villages.shp: no .cpg file; text detected as GBK") == (
        "  注意：villages.shp：没有 .cpg 文件，识别出文本编码为 GBK"
    )


# -- the table and the wrapping ---------------------------------------------------------------


def test_the_table_reads_values_and_keeps_columns(monkeypatch) -> None:
    from gridgis.cli.zh import message_table

    lines, messages = message_table(
        "wrote {n:int} grids to {path}\n    已将 {n} 个网格写入 {path}\n\n"
        "grids{gap:gap}{path}\n    网格{gap}{path}\n"
    )
    assert lines == {}
    assert messages[0].pattern.fullmatch("wrote 12 grids to a b.gpkg")
    assert not messages[0].pattern.fullmatch("wrote many grids to a.gpkg")
    monkeypatch.setenv("GRIDGIS_LANG", "zh")
    english = "  grids                    /tmp/out/grids.gpkg"
    chinese = translate_message(english)
    assert chinese.endswith("/tmp/out/grids.gpkg")
    assert display_width(chinese) == display_width(english)  # the path stays in its column
    with pytest.raises(ValueError, match="names values"):
        message_table("wrote {path}\n    已写入 {file}\n")


def test_chinese_wraps_by_width_on_screen() -> None:
    text = (
        "网格无缝隙、无重叠地铺满每个村，每个网格是单个多边形，"
        "负荷都不超过 --max-load（不可再分的单元）。"
    )
    lines = wrap(text, 30, "  ", "  ").splitlines()
    assert len(lines) > 2
    assert all(display_width(line) <= 30 for line in lines)
    assert "--max-load" in "".join(lines)  # an option is never split
    assert not any(line.lstrip()[0] in "，。、）" for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_localise_swaps_the_whole_tree_and_back() -> None:
    divide = cli.commands["divide"]
    english = divide.help
    localise(cli, "zh")
    assert divide.help is not None and "基础网格" in divide.help
    assert divide.short_help == "把村/社区划分为负荷均衡、带编码的基础网格。"
    assert divide.context_class is i18n.LocalisedContext
    localise(cli, "en")
    assert divide.help == english
    assert divide.short_help == "Divide villages into balanced, coded base grids."
