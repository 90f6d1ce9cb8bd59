//! The source forms of SKILL.md and the plain YAML scalars that readers disagree on: the
//! vocabulary in which target specs say how a host reads frontmatter, and in which a parsed
//! [`crate::Skill`] records what its source uses.

/// A source form of SKILL.md beyond the canonical `---` LF, YAML, `---` LF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    /// A UTF-8 byte-order mark before the opening `---`.
    Bom,
    /// CR LF line endings.
    Crlf,
    /// Lone CR line endings (classic Mac OS).
    Cr,
    /// Blank lines before the opening `---`.
    LeadingBlankLines,
    /// The frontmatter closed by a `...` line instead of `---`.
    DotsClose,
    /// Spaces or tabs after the opening `---`.
    OpenFenceSpace,
    /// Spaces or tabs after the closing `---`.
    CloseFenceSpace,
    /// `---` inside a frontmatter line (a reader that looks for the first `---` stops there).
    DashesInYaml,
    /// A flow-style collection (`{ a: b }`, `[a, b]`) in the frontmatter.
    FlowCollections,
}

/// How skillwright treats a form it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// Line endings and BOMs: every rendered copy is normalised, the source gets a warning.
    Normalised,
    /// Where the frontmatter starts or ends: readers that miss it see no skill (or a cut one).
    Structural,
    /// A YAML style some readers refuse; rendered copies are re-serialized in block style.
    Style,
}

impl Form {
    /// Every form, in vocabulary order.
    pub const ALL: &[Form] = &[
        Form::Bom,
        Form::Crlf,
        Form::Cr,
        Form::LeadingBlankLines,
        Form::DotsClose,
        Form::OpenFenceSpace,
        Form::CloseFenceSpace,
        Form::DashesInYaml,
        Form::FlowCollections,
    ];

    /// The name used in target specs.
    pub fn id(self) -> &'static str {
        match self {
            Form::Bom => "bom",
            Form::Crlf => "crlf",
            Form::Cr => "cr",
            Form::LeadingBlankLines => "leading-blank-lines",
            Form::DotsClose => "dots-close",
            Form::OpenFenceSpace => "open-fence-space",
            Form::CloseFenceSpace => "close-fence-space",
            Form::DashesInYaml => "dashes-in-yaml",
            Form::FlowCollections => "flow-collections",
        }
    }

    /// The form named `id` in a target spec.
    pub fn parse(id: &str) -> Option<Form> {
        Form::ALL.iter().copied().find(|f| f.id() == id)
    }

    /// How skillwright treats it.
    pub fn kind(self) -> FormKind {
        match self {
            Form::Bom | Form::Crlf | Form::Cr => FormKind::Normalised,
            Form::FlowCollections => FormKind::Style,
            _ => FormKind::Structural,
        }
    }
}

/// A plain (unquoted) scalar that YAML 1.2 reads as a string but some YAML readers type
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Implicit {
    /// `y`, `yes`, `no`, `on`, `off` … (YAML 1.1 booleans).
    YesNo,
    /// `2024-01-01`, `2001-12-14t21:59:43.10-05:00` (YAML 1.1 timestamps).
    Timestamp,
    /// `1_000` (YAML 1.1 numbers with underscores).
    UnderscoreNumber,
    /// `017` (a number to YAML 1.2 core readers and to YAML 1.1 octal readers).
    LeadingZeroNumber,
    /// `1:30` (YAML 1.1 base-60 numbers).
    SexagesimalNumber,
}

impl Implicit {
    /// Every kind, in vocabulary order.
    pub const ALL: &[Implicit] = &[
        Implicit::YesNo,
        Implicit::Timestamp,
        Implicit::UnderscoreNumber,
        Implicit::LeadingZeroNumber,
        Implicit::SexagesimalNumber,
    ];

    /// The name used in target specs.
    pub fn id(self) -> &'static str {
        match self {
            Implicit::YesNo => "yes-no",
            Implicit::Timestamp => "timestamp",
            Implicit::UnderscoreNumber => "underscore-number",
            Implicit::LeadingZeroNumber => "leading-zero-number",
            Implicit::SexagesimalNumber => "sexagesimal-number",
        }
    }

    /// What such a reader makes of it, for messages ("a boolean").
    pub fn as_what(self) -> &'static str {
        match self {
            Implicit::YesNo => "a boolean",
            Implicit::Timestamp => "a date",
            _ => "a number",
        }
    }

    /// The kind named `id` in a target spec.
    pub fn parse(id: &str) -> Option<Implicit> {
        Implicit::ALL.iter().copied().find(|f| f.id() == id)
    }

    /// The kind of the plain scalar `s` (which YAML 1.2 reads as a string), if it has one.
    pub fn of(s: &str) -> Option<Implicit> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
        if matches!(
            s,
            "y" | "Y"
                | "yes"
                | "Yes"
                | "YES"
                | "n"
                | "N"
                | "no"
                | "No"
                | "NO"
                | "on"
                | "On"
                | "ON"
                | "off"
                | "Off"
                | "OFF"
        ) {
            return Some(Implicit::YesNo);
        }
        if timestamp(s) {
            return Some(Implicit::Timestamp);
        }
        if unsigned.contains('_')
            && unsigned.starts_with(|c: char| c.is_ascii_digit())
            && unsigned.bytes().all(|c| c.is_ascii_digit() || c == b'_' || c == b'.')
            && unsigned.bytes().filter(|&c| c == b'.').count() <= 1
        {
            return Some(Implicit::UnderscoreNumber);
        }
        if unsigned.len() > 1 && unsigned.starts_with('0') && digits(unsigned) {
            return Some(Implicit::LeadingZeroNumber);
        }
        let mut parts = unsigned.split(':');
        let first = parts.next().unwrap_or("");
        let rest: Vec<&str> = parts.collect();
        if !rest.is_empty()
            && digits(first)
            && !first.starts_with('0')
            && rest.iter().enumerate().all(|(i, p)| {
                let p = if i + 1 == rest.len() { p.split('.').next().unwrap_or("") } else { p };
                (1..=2).contains(&p.len()) && digits(p) && p.parse::<u8>().is_ok_and(|n| n < 60)
            })
        {
            return Some(Implicit::SexagesimalNumber);
        }
        None
    }
}

/// Whether `s` matches the YAML 1.1 timestamp type: `YYYY-MM-DD`, or a date with one- or
/// two-digit month and day, a `T`/`t`/space, `H:MM:SS`, optional fraction and time zone.
fn timestamp(s: &str) -> bool {
    fn num(s: &str, min: usize, max: usize) -> Option<(&str, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (min..=max).contains(&n).then(|| s.split_at(n))
    }
    let date = |s| -> Option<(&str, bool)> {
        let (_, r) = num(s, 4, 4)?;
        let (m, r) = num(r.strip_prefix('-')?, 1, 2)?;
        let (d, r) = num(r.strip_prefix('-')?, 1, 2)?;
        Some((r, m.len() == 2 && d.len() == 2))
    };
    let Some((rest, two_digit)) = date(s) else { return false };
    if rest.is_empty() {
        return two_digit;
    }
    let Some(rest) = rest.strip_prefix(['T', 't']).or_else(|| {
        let t = rest.trim_start_matches([' ', '\t']);
        (t.len() < rest.len()).then_some(t)
    }) else {
        return false;
    };
    let time = || -> Option<&str> {
        let (_, r) = num(rest, 1, 2)?;
        let (_, r) = num(r.strip_prefix(':')?, 2, 2)?;
        let (_, r) = num(r.strip_prefix(':')?, 2, 2)?;
        let r = match r.strip_prefix('.') {
            Some(f) => num(f, 0, usize::MAX)?.1,
            None => r,
        };
        Some(r.trim_start_matches([' ', '\t']))
    };
    let Some(zone) = time() else { return false };
    if zone.is_empty() || zone == "Z" {
        return true;
    }
    let Some(z) = zone.strip_prefix(['+', '-']) else { return false };
    match num(z, 1, 2) {
        Some((_, "")) => true,
        Some((_, r)) => r.strip_prefix(':').and_then(|m| num(m, 2, 2)).is_some_and(|(_, r)| r.is_empty()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_kinds() {
        for (s, k) in [
            ("yes", Some(Implicit::YesNo)),
            ("Off", Some(Implicit::YesNo)),
            ("2024-01-01", Some(Implicit::Timestamp)),
            ("2001-12-14t21:59:43.10-05:00", Some(Implicit::Timestamp)),
            ("1_000", Some(Implicit::UnderscoreNumber)),
            ("017", Some(Implicit::LeadingZeroNumber)),
            ("1:30", Some(Implicit::SexagesimalNumber)),
            ("-1:30:59.5", Some(Implicit::SexagesimalNumber)),
            ("12:30:00", Some(Implicit::SexagesimalNumber)),
            ("2024-1-1", None),
            ("2024-01-01 is the day", None),
            ("2024-1-1 10:00:00 +1", Some(Implicit::Timestamp)),
            ("1.0.0", None),
            ("0", None),
            ("yesterday", None),
            ("a_b", None),
            ("1:75", None),
            ("Use when: x", None),
        ] {
            assert_eq!(Implicit::of(s), k, "{s}");
        }
    }
}
