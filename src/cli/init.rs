//! `kaohe init [DIR]`: a ready-to-edit project folder, the way `cargo new` starts a crate — the
//! shipped sets, evidence, history, decision policy, title registry and scorecards at the paths
//! the default runs read them, and a README of the folder in Chinese. In the folder,
//! `kaohe assess` scores the files there (see [`super::shipped`]).

use super::BadRequest;
use super::shipped;
use crate::output;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The new project folder: must not exist yet, or be empty.
    #[arg(value_name = "DIR", default_value = "kaohe-project")]
    pub dir: PathBuf,
    /// Language of the folder's README.md and of the message (the shipped example's sets and
    /// evidence are Chinese either way).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: crate::lang::Lang,
}

/// The README.md of a new project folder, in `lang`.
pub fn project_readme_in(lang: crate::lang::Lang) -> String {
    lang.pick(README, README_EN)
        .replace("{assess}", &shipped::assess_command())
        .replace("{decide}", &shipped::decide_command())
}

const README_EN: &str = r#"# Assessment project

`kaohe init` wrote this folder: a target-responsibility assessment project that runs as it is and
is meant to be edited (the example is the Shenzhen population and family planning assessment: 8
districts and 23 streets, one of which did not report, with three years of history; its sets and
evidence are in Chinese). Run in this folder, every `kaohe` command without arguments reads the
files here; edit them and run again, and the results follow.

The first line each command prints (on stderr) says which files it read. Only in a folder
without `indicators/sz-district.yaml` does kaohe use the set built into the binary, and it says so.

## Files

| file | what |
|---|---|
| `indicators/sz-district.yaml` | the district set: items, points, scoring rules, one-vote vetoes, grades (the least total of each). The assessment rules are changed here |
| `indicators/sz-street.yaml` | the street set, scored in the same run; district items may read the streets' results |
| `fixtures/shenzhen/evidence.yaml` | the districts' evidence (statistics, the case ledger) |
| `fixtures/shenzhen/streets.yaml` | the streets' evidence |
| `fixtures/shenzhen/history/2008.json` to `2010.json` | the scorecards of the three years before, for "last year", "mean of three years" and year-over-year |
| `indicators/sz-policy.yaml` | the leading group's decision rules: the pass line; titles conferred, kept, warned and revoked; exemptions and delegation |
| `fixtures/titles/registry.yaml` | the title registry: every title event of every unit (append-only) |
| `fixtures/titles/scorecards/2010.json` to `2015.json` | the scorecards of 2010–2015, from which `kaohe decide` makes the 2015 decisions |

## Commands

```sh
kaohe check --lang en                      # check the set and the evidence, list every problem, no scoring
kaohe assess --lang en                     # score; write out/ (scorecard JSON, CSV, Excel, HTML reports), print the ranking
kaohe explain yantian --lang en            # how Yantian's score was computed, step by step
kaohe self-assess pingshan --lang en       # Pingshan's self-assessment: points lost, values needed, the path to the next grade
kaohe template --lang en                   # the evidence-entry workbook template.xlsx
kaohe handbook --lang en                   # the assessment rules out/handbook.html and out/handbook.docx
kaohe lint --lang en                       # design problems of the set
kaohe decide --lang en                     # the leading group's decisions: pass or fail, titles, exemptions; out/decisions.html and more
```

`kaohe assess` without arguments is the same as:

```sh
{assess}
```

`kaohe decide` without arguments is the same as:

```sh
{decide}
```

## After an edit

- Change a grade in `indicators/sz-district.yaml` (raise the `min` of the top grade, say) and run `kaohe assess`: the grades follow.
- When a file has errors, `kaohe check` and `kaohe assess` report each one with its file, line and column, and write nothing.
- `out/scorecard.json` records the file name and SHA-256 of the set it used (`indicator_set.file`, `indicator_set.hash`);
  `kaohe verify out` checks that the output folder is exactly what kaohe wrote.
"#;

const README: &str = r#"# 考核项目

本文件夹由 `kaohe init` 写出:一套可以直接运行、也可以直接修改的目标责任考核项目(示例为深圳市
人口和计划生育目标管理责任制考核:8 个区、23 个街道(其中 1 个未上报),含三年历史)。在本文件夹中运行 `kaohe`
的各条命令时,不带参数即读取这里的文件;修改后再运行,结果随之改变。

每条命令输出的第一行(标准错误输出)说明读取了哪些文件。只有在没有
`indicators/sz-district.yaml` 的文件夹中,kaohe 才使用内置的默认指标体系,并提示“使用内置默认指标体系”。

## 文件

| 文件 | 内容 |
|---|---|
| `indicators/sz-district.yaml` | 区级考核指标体系:指标、分值、评分规则、一票否决、等次(如“优秀”的最低分)。修改考核办法就改这里 |
| `indicators/sz-street.yaml` | 街道级考核指标体系,与区级同一次运行评分;区级指标可以引用街道的考核结果 |
| `fixtures/shenzhen/evidence.yaml` | 各区的佐证数据(统计数据、案件台账) |
| `fixtures/shenzhen/streets.yaml` | 各街道的佐证数据 |
| `fixtures/shenzhen/history/2008.json` 至 `2010.json` | 前三年的评分表,用于“上年”“近三年平均”和同比 |
| `indicators/sz-policy.yaml` | 领导小组的决定规则:合格线、称号的授予、保留、警告和撤销、免检与委托 |
| `fixtures/titles/registry.yaml` | 称号登记册:各单位称号的历次记录(只追加) |
| `fixtures/titles/scorecards/2010.json` 至 `2015.json` | 2010–2015 年的评分表,`kaohe decide` 据此作出 2015 年的决定 |

## 命令

```sh
kaohe check                      # 检查指标体系与佐证数据,列出全部问题,不评分
kaohe assess                     # 评分,写出 out/(评分表 JSON、CSV、Excel 和 HTML 报告),打印排名表
kaohe explain yantian            # 盐田区得分的完整计算过程
kaohe self-assess pingshan       # 坪山区自查自评:失分、所需数值、距下一等次的路径
kaohe template                   # 佐证数据填报模板 template.xlsx
kaohe handbook                   # 考核细则 out/handbook.html 和 out/handbook.docx
kaohe lint                       # 指标体系的设计问题
kaohe decide                     # 领导小组决定:合格与否、称号、免检,写出 out/decisions.html 等
```

不带参数的 `kaohe assess` 等同于:

```sh
{assess}
```

不带参数的 `kaohe decide` 等同于:

```sh
{decide}
```

## 修改之后

- 修改 `indicators/sz-district.yaml` 中的等次(例如把“优秀”的 `min` 提高),再运行 `kaohe assess`,等次随之改变。
- 文件有错时,`kaohe check` 和 `kaohe assess` 报告每一处错误的文件、行和列,不写出任何结果。
- `out/scorecard.json` 记录所用指标体系的文件名和 SHA-256 值(`indicator_set.file`、`indicator_set.hash`),
  `kaohe verify out` 检查输出文件夹是否与 kaohe 写出的完全一致。
"#;

/// `kaohe init`: write the project into a new or empty folder.
pub fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    let existed = std::fs::symlink_metadata(dir).is_ok();
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(BadRequest(format!(
                "{} exists and is not a folder: name a new folder",
                dir.display()
            ))
            .into());
        }
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir)
                .with_context(|| format!("reading the folder {}", dir.display()))?;
            if entries.next().is_some() {
                return Err(BadRequest(format!(
                    "{} is not empty: `kaohe init` writes a project into a new or empty folder",
                    dir.display()
                ))
                .into());
            }
        }
        Err(_) => {}
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the folder {}", dir.display()))?;
    let readme = project_readme_in(args.lang);
    let files = shipped::all();
    let all = files
        .iter()
        .map(|(p, t)| (*p, t.as_bytes()))
        .chain(std::iter::once(("README.md", readme.as_bytes())));
    let n;
    if existed {
        // An empty folder the user made (often the current one, `kaohe init .`) stays the same
        // folder: the files are added to it as one journaled publication, so a shell inside it
        // still sees them.
        let files: Vec<(PathBuf, Vec<u8>)> = all
            .map(|(rel, bytes)| (PathBuf::from(rel), bytes.to_vec()))
            .collect();
        n = files.len();
        output::publish::add_files(dir, files, Vec::new(), || crate::exit::waiting_for(dir))
            .with_context(|| format!("writing the project into {}", dir.display()))?;
    } else {
        // A new folder appears whole or not at all (published as one folder; it must be new
        // or empty, which `Publish` checks again under its lock).
        let publish = output::publish::Publish::begin(dir, false, || crate::exit::waiting_for(dir))
            .with_context(|| format!("writing the project into {}", dir.display()))?;
        let mut count = 0usize;
        for (rel, bytes) in all {
            let path = output::inside(publish.dir(), Path::new(rel))?;
            publish.stage.write(&path, bytes)?;
            count += 1;
        }
        publish
            .commit(Vec::new(), Vec::new(), Vec::new())
            .with_context(|| format!("writing the project into {}", dir.display()))?;
        n = count;
    }
    match args.lang {
        crate::lang::Lang::Zh => crate::outln!(
            "已创建考核项目 {}({n} 个文件,说明见 {}/README.md)\n下一步:cd {} && kaohe assess",
            dir.display(),
            dir.display(),
            dir.display()
        ),
        crate::lang::Lang::En => crate::outln!(
            "created the assessment project {} ({}; see {}/README.md)\nnext: cd {} && kaohe assess --lang en",
            dir.display(),
            super::counted(n, "file"),
            dir.display(),
            dir.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
