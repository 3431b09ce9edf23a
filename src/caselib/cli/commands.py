"""The table of caselib's commands: the module that registers each, and its line in
``caselib --help``.

``caselib`` builds the Click command of the command being run only (Typer reads the signature
of every parameter to build one: all of them would cost every run some 30 ms), and its help
page lists the commands from this table. ``tests/test_cli_meta.py`` keeps the table equal to
the commands the modules register (names, order and help lines).
"""

from __future__ import annotations

# name: (module under caselib.cli, first sentence of its help), in the order of ``--help``
COMMANDS: dict[str, tuple[str, str]] = {
    "add": ("records", "新增一条记录"),
    "show": ("records", "显示一条记录的全部信息与正文，以及评审、入围、报送、采用的经过"),
    "edit": ("records", "在编辑器（$EDITOR）中以“YAML 头 + 正文”的形式修改记录；格式有误时不保存"),
    "rm": ("records", "把记录移入回收站（caselib restore 可恢复）；加 --purge 才会永久删除"),
    "trash": ("records", "列出回收站中的记录"),
    "restore": ("records", "从回收站恢复记录"),
    "tag": (
        "records",
        "给记录加减标签：caselib tag 12 +共同缔造 +决策共谋 -旧标签；caselib tag suggest 12",
    ),
    "list": ("browse", "按单位、标签、类型、状态、日期筛选并列出记录"),
    "search": (
        "browse",
        "中文全文检索：按相关度排序（标题、标签命中优先），附高亮摘要；不给检索词时按筛选条件列出",
    ),
    "import": ("intake", "导入文件或整个文件夹；每个文件单独成事务，坏文件不影响其他文件"),
    "dupes": ("intake", "列出库中内容高度相似的记录对（重复报送、两个单位报同一故事），附相似度"),
    "bulletins": ("intake", "列出库中的简报（最新的在前）"),
    "export": (
        "export",
        "导出记录：md（每条一个文件，可再次导入）、json、csv、xlsx（每条一行，含评分），或 docx/pdf（给出 --series / --issue 时为一期简报并登记入库，否则为带目录的汇编；pdf 由 LibreOffice 生成）",
    ),
    "rubric": (
        "review",
        "显示正在使用的评分细则、各项权重与排序参数（配置文件为库旁的 .toml 文件）",
    ),
    "reviews": ("review", "列出一条记录的全部评分"),
    "rank": (
        "review",
        "按评审意见与文本证据综合排序，并在名额限制下择优（--explain 说明每一分的来历）",
    ),
    "report": ("review", "登记向上级报送，记录状态随之变为“已报送”"),
    "adopt": ("review", "登记上级采用，记录状态随之变为“已采用”（未报送过的记录需加 --force）"),
    "stats": ("review", "按单位、标签、月份或状态统计：记录数、报送、采用、采用率、平均分、积分"),
    "init": ("library", "新建一个库（载入默认标签词表）；库已存在时不做改动"),
    "info": ("library", "显示库的位置、结构版本、记录数与索引大小"),
    "reindex": ("library", "重建全文索引、疑似重复标记与正文特征"),
    "check": ("library", "检查库文件、结构版本、孤立行与全文索引（--repair 重建有问题的索引）"),
    "backup": (
        "library",
        "把库备份成一个文件（他人写入时也能做，得到一致的快照）；PostgreSQL 库请用 pg_dump",
    ),
    "upgrade": ("library", "把旧版本 caselib 建的库升级到当前结构（先在库旁做一份备份）"),
    "copy": ("library", "把一个库的全部内容原样复制到另一个库（SQLite 与 PostgreSQL 之间均可）"),
    "bulletin": ("intake", "单期简报：caselib bulletin show 2022-13"),
    "shortlist": ("review", "入围名单：show / list / add / rm / order / delete"),
    "review": (
        "sheets",
        "评审：给一条记录评分（caselib review 12 --reviewer 王老师 --score 典型性=4；同一评审人再次评分会替换上次评分，历史保留），或用 Excel 评分表请专家评审：sheets 生成评分表与阅读材料，import 导入交回的评分表，summary 生成汇总表",
    ),
    "tags": ("taxonomy", "标签树（含各标签的记录数）及其维护"),
    "units": ("taxonomy", "报送单位（含记录数）及其维护"),
}

MODULES = tuple(dict.fromkeys(module for module, _help in COMMANDS.values()))
