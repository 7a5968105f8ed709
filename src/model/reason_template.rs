//! An indicator's own reason (`reason:` in the set): a sentence with named placeholders that
//! replaces the generated reason of a scored item in every output.
//!
//! `"{值}达到{目标},得{得分}分"` — each `{…}` names a figure of the item's computation; `{{` and
//! `}}` are literal braces. Which placeholders an item may use depends on its rule (a value and a
//! target exist only for rules that read one value and have a target); the loader checks them
//! and reports an unknown or unusable placeholder at the `reason:` line.

/// A figure a reason template can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// The item's name.
    Name,
    /// The value read, with its unit (value rules only).
    Value,
    /// The rule's target, with the value's unit (rules with a `target`).
    Target,
    /// The points scored.
    Points,
    /// The item's maximum for the unit.
    Max,
    /// Points lost: maximum − points.
    Lost,
    /// The reason kaohe would have written.
    Reason,
}

/// Each placeholder by its names: Chinese first, then English.
pub const PLACEHOLDERS: [(Placeholder, &str, &str); 7] = [
    (Placeholder::Name, "名称", "name"),
    (Placeholder::Value, "值", "value"),
    (Placeholder::Target, "目标", "target"),
    (Placeholder::Points, "得分", "points"),
    (Placeholder::Max, "满分", "max"),
    (Placeholder::Lost, "扣分", "lost"),
    (Placeholder::Reason, "原因", "reason"),
];

impl Placeholder {
    fn by_name(name: &str) -> Option<Self> {
        PLACEHOLDERS
            .iter()
            .find(|(_, zh, en)| *zh == name || *en == name)
            .map(|(p, _, _)| *p)
    }

    /// The placeholder's Chinese name, as error messages write it.
    pub fn zh(self) -> &'static str {
        PLACEHOLDERS
            .iter()
            .find(|(p, _, _)| *p == self)
            .map_or("", |(_, zh, _)| zh)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Slot(Placeholder),
}

/// A parsed reason template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonTemplate {
    pieces: Vec<Piece>,
}

impl ReasonTemplate {
    /// Parse a template; the error says what is wrong in words (the loader locates it).
    pub fn parse(src: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = src.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    if !closed {
                        return Err(format!(
                            "`{{{name}` is not closed with `}}` (write `{{{{` for a brace)"
                        ));
                    }
                    let Some(p) = Placeholder::by_name(name.trim()) else {
                        return Err(format!(
                            "unknown placeholder `{{{name}}}`; use one of {}",
                            names_list()
                        ));
                    };
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Slot(p));
                }
                '}' => return Err("a lone `}` (write `}}` for a brace)".to_string()),
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        if pieces.is_empty() {
            return Err("the reason is empty".to_string());
        }
        Ok(Self { pieces })
    }

    /// The placeholders the template uses, in order (with repeats).
    pub fn placeholders(&self) -> impl Iterator<Item = Placeholder> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Slot(s) => Some(*s),
            Piece::Text(_) => None,
        })
    }

    /// The sentence with each placeholder replaced by `fill`'s text (`—` when it has none).
    pub fn render(&self, fill: &dyn Fn(Placeholder) -> Option<String>) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(s) => out.push_str(fill(*s).as_deref().unwrap_or("—")),
            }
        }
        out
    }
}

/// `{名称}`/`{name}`, … for error messages.
fn names_list() -> String {
    PLACEHOLDERS
        .iter()
        .map(|(_, zh, en)| format!("{{{zh}}}/{{{en}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_by_either_name_and_braces_doubled() {
        let t = ReasonTemplate::parse("{值}达到{target},得{得分}分 {{注}}").expect("parses");
        assert_eq!(
            t.placeholders().collect::<Vec<_>>(),
            [Placeholder::Value, Placeholder::Target, Placeholder::Points]
        );
        let s = t.render(&|p| match p {
            Placeholder::Value => Some("96%".into()),
            Placeholder::Target => Some("95%".into()),
            _ => None,
        });
        assert_eq!(s, "96%达到95%,得—分 {注}");
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        let e = ReasonTemplate::parse("{分数}").expect_err("unknown");
        assert!(e.contains("unknown placeholder `{分数}`") && e.contains("{得分}/{points}"));
        assert!(
            ReasonTemplate::parse("{值")
                .expect_err("open")
                .contains("not closed")
        );
        assert!(
            ReasonTemplate::parse("a } b")
                .expect_err("lone")
                .contains("lone")
        );
        assert!(ReasonTemplate::parse("").is_err());
    }
}
