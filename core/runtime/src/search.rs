//! Skill search: BM25 over each skill's name (weighted) and description.

use skillwright_model::context::IndexSkill;
use skillwright_model::words::stems;
use std::collections::BTreeMap;

/// Skills ranked for `query`, best first, with their scores; skills that match nothing are left out.
pub fn search<'a>(skills: &'a [IndexSkill], query: &str) -> Vec<(&'a IndexSkill, f64)> {
    let docs: Vec<Vec<String>> = skills
        .iter()
        .map(|s| {
            let name = stems(&s.name);
            let mut d = name.clone();
            d.extend(name); // the name counts double: it is the most specific text a skill has
            d.extend(stems(&s.description));
            d
        })
        .collect();
    let n = docs.len() as f64;
    let avg = docs.iter().map(Vec::len).sum::<usize>() as f64 / n.max(1.0);
    let mut df: BTreeMap<&str, f64> = BTreeMap::new();
    for d in &docs {
        let mut seen: Vec<&str> = d.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let q = stems(query);
    let (k1, b) = (1.2, 0.75);
    let mut scored: Vec<(&IndexSkill, f64)> = skills
        .iter()
        .zip(&docs)
        .map(|(s, d)| {
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
            (s, score)
        })
        .filter(|(_, score)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    scored
}
