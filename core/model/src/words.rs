//! Word handling shared by the overlap lint and skill search: tokens, stop words, light stemming.

/// Common English words that carry no topic.
const STOP: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "asks", "at", "be", "before",
    "being", "but", "by", "can", "do", "does", "each", "every", "for", "from", "has", "have", "how", "i",
    "if", "in", "into", "is", "it", "its", "just", "like", "me", "my", "need", "not", "of", "on", "one",
    "or", "our", "out", "say", "says", "so", "some", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "up", "us", "use", "user", "using", "want", "was", "we", "what",
    "when", "where", "which", "while", "who", "why", "will", "with", "without", "you", "your",
];

/// Lowercase word stems of `text`, stop words removed, in order.
pub fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .map(|w| stem(&w))
        .filter(|w| w.len() > 1)
        .collect()
}

/// A crude suffix stripper: enough to match "debugging" with "debug" and "reviews" with "review".
fn stem(w: &str) -> String {
    let mut s = w;
    for suffix in ["ations", "ation", "ings", "ing", "ers", "er", "ies", "ied", "ed", "es", "s", "ly"] {
        if let Some(rest) = s.strip_suffix(suffix)
            && rest.chars().count() >= 3
        {
            s = rest;
            break;
        }
    }
    let mut out = s.to_string();
    // "debugg" (from "debugging") → "debug"
    let b = out.as_bytes();
    if b.len() >= 4 && b[b.len() - 1] == b[b.len() - 2] && !b"aeiouls".contains(&b[b.len() - 1]) {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::stems;

    #[test]
    fn stems_match_inflections() {
        assert_eq!(stems("Debugging the reviews"), vec!["debug", "review"]);
        assert_eq!(stems("debug a review"), vec!["debug", "review"]);
        assert_eq!(stems("planning plans"), stems("plan plan"));
    }
}
