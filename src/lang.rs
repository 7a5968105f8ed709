//! The language of what kaohe writes for people (`--lang zh|en`): one enum, at the bottom
//! layer, so that everything that renders text can take it — the reports' labels
//! (`report::labels`), the terminal table, `explain`, `self-assess`, and the rule shapes'
//! reasons (`rules/*`), which render from their traces.

/// The language of the fixed words (`--lang zh|en`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Lang {
    /// 简体中文 (zh-CN), the default.
    #[default]
    Zh,
    /// English; names and texts from the indicator set and the evidence stay as written.
    En,
}

impl Lang {
    /// Whether this is English.
    pub fn en(self) -> bool {
        self == Lang::En
    }

    /// `zh` or `en` by the language.
    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language {other:?} (use zh or en)")),
        }
    }
}
