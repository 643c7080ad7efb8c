//! Where merged households are shown. Two devices may merge concurrently, even two households
//! into each other, so every store works this out the same way from all the merges it holds.

use std::collections::{BTreeMap, BTreeSet};

/// For each household with a merge target, the household it is shown as: the end of its
/// chain of merges, or none if it is the one that stays in a circle of households merged into
/// each other (the smallest id). `targets` maps a household to the one it was merged into.
pub fn shown_as(targets: &BTreeMap<String, String>) -> BTreeMap<&str, Option<&str>> {
    targets
        .keys()
        .map(|id| (id.as_str(), settle(id, targets)))
        .collect()
}

fn settle<'a>(id: &'a str, targets: &'a BTreeMap<String, String>) -> Option<&'a str> {
    let mut path: Vec<&str> = vec![id];
    let mut seen: BTreeSet<&str> = BTreeSet::from([id]);
    let mut at = id;
    while let Some(next) = targets.get(at) {
        if !seen.insert(next) {
            // A circle: its smallest member stays, and everything in it is shown as that one.
            let circle_start = path.iter().position(|p| *p == next.as_str()).unwrap_or(0);
            let stays = *path[circle_start..]
                .iter()
                .min()
                .expect("a circle has members");
            return (stays != id).then_some(stays);
        }
        path.push(next);
        at = next;
    }
    (at != id).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_chain_of_merges_ends_at_its_last_household() {
        let t = targets(&[("a", "b"), ("b", "c")]);
        let shown = shown_as(&t);
        assert_eq!((shown["a"], shown["b"]), (Some("c"), Some("c")));
        assert!(!shown.contains_key("c"), "c was merged into nothing");
    }

    #[test]
    fn households_merged_into_each_other_settle_on_the_smallest_id() {
        let t = targets(&[("b", "a"), ("a", "b")]);
        let shown = shown_as(&t);
        assert_eq!((shown["a"], shown["b"]), (None, Some("a")));
        let t = targets(&[("x", "c"), ("c", "d"), ("d", "c")]);
        let shown = shown_as(&t);
        assert_eq!(
            (shown["x"], shown["d"], shown["c"]),
            (Some("c"), Some("c"), None)
        );
    }
}
