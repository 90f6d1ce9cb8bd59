//! Ranking text for a query: BM25 over a name (counted twice: it is the most specific text a
//! document has) and a body. Skill search and store search rank the same way.

use skillwright_model::context::IndexSkill;
use skillwright_model::words::stems;
use std::collections::BTreeMap;

/// Indexes into `docs` (name, body) ranked for `query`, best first, with their scores; documents
/// that match nothing are left out. Ties keep document order.
pub fn rank(docs: &[(&str, &str)], query: &str) -> Vec<(usize, f64)> {
    let terms: Vec<Vec<String>> = docs
        .iter()
        .map(|(name, body)| {
            let name = stems(name);
            let mut d = name.clone();
            d.extend(name);
            d.extend(stems(body));
            d
        })
        .collect();
    let n = terms.len() as f64;
    let avg = terms.iter().map(Vec::len).sum::<usize>() as f64 / n.max(1.0);
    let mut df: BTreeMap<&str, f64> = BTreeMap::new();
    for d in &terms {
        let mut seen: Vec<&str> = d.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let q = stems(query);
    let (k1, b) = (1.2, 0.75);
    let mut scored: Vec<(usize, f64)> = terms
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let len = d.len() as f64;
            let score: f64 = q
                .iter()
                .map(|w| {
                    let tf = d.iter().filter(|x| *x == w).count() as f64;
                    if tf == 0.0 {
                        return 0.0;
                    }
                    let dfw = df.get(w.as_str()).copied().unwrap_or(0.0);
                    let idf = ((n - dfw + 0.5) / (dfw + 0.5) + 1.0).ln();
                    idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg.max(1.0)))
                })
                .sum();
            (i, score)
        })
        .filter(|(_, score)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

/// Skills ranked for `query` by name and description, best first, with their scores.
pub fn search<'a>(skills: &'a [IndexSkill], query: &str) -> Vec<(&'a IndexSkill, f64)> {
    let docs: Vec<(&str, &str)> = skills.iter().map(|s| (s.name.as_str(), s.description.as_str())).collect();
    rank(&docs, query).into_iter().map(|(i, score)| (&skills[i], score)).collect()
}
