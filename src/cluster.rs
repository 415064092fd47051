//! Clusters of flagged documents and the copy to keep in each.

/// Which copy of a cluster to keep (`--keep`, `keep` in neardup.toml).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum KeepPolicy {
    /// The first by path (documents are ordered by path).
    #[default]
    First,
    /// The one with the most words (ties: the first by path).
    Longest,
}

/// A group of documents connected by flagged pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The document to keep.
    pub keep: u32,
    /// The others, ascending.
    pub drop: Vec<u32>,
}

/// Union-find with path halving and union by size.
#[derive(Clone, Debug)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }
}

/// Clusters of `n` documents linked by `pairs`, each with its keeper, in
/// order of the keeper. `words[d]` is document `d`'s word count; documents
/// are assumed ordered by path.
pub fn clusters(n: usize, pairs: &[(u32, u32)], words: &[u32], policy: KeepPolicy) -> Vec<Cluster> {
    clusters_preferring(n, pairs, words, policy, &[])
}

/// [`clusters`], keeping a `preferred` document over the others whatever
/// `policy` says: the keeper is chosen by `policy` among the preferred
/// members of a cluster when it has any, else among all of them. (A check
/// prefers the indexed documents: the copy already in the corpus stays, the
/// new one is dropped.) `preferred[d]` is false for `d` past its end, so an
/// empty slice prefers nothing.
pub fn clusters_preferring(
    n: usize,
    pairs: &[(u32, u32)],
    words: &[u32],
    policy: KeepPolicy,
    preferred: &[bool],
) -> Vec<Cluster> {
    let preferred = |d: u32| preferred.get(d as usize).copied().unwrap_or(false);
    let mut uf = UnionFind::new(n);
    for &(a, b) in pairs {
        uf.union(a, b);
    }
    let mut members: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for &(a, b) in pairs {
        for d in [a, b] {
            members.entry(uf.find(d)).or_default().push(d);
        }
    }
    let mut out: Vec<Cluster> = members
        .into_values()
        .map(|mut m| {
            m.sort_unstable();
            m.dedup();
            let any_preferred = m.iter().any(|&d| preferred(d));
            let eligible = m
                .iter()
                .copied()
                .filter(|&d| !any_preferred || preferred(d));
            let keep = match policy {
                KeepPolicy::First => eligible.min(),
                KeepPolicy::Longest => {
                    eligible.max_by_key(|&d| (words[d as usize], std::cmp::Reverse(d)))
                }
            }
            .expect("a cluster has members");
            m.retain(|&d| d != keep);
            Cluster { keep, drop: m }
        })
        .collect();
    out.sort_by_key(|c| c.keep);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitive_clusters_and_keepers() {
        let pairs = [(3, 5), (5, 7), (1, 2)];
        let words = [0, 10, 50, 5, 0, 90, 0, 20];
        let c = clusters(8, &pairs, &words, KeepPolicy::First);
        assert_eq!(
            c,
            vec![
                Cluster {
                    keep: 1,
                    drop: vec![2]
                },
                Cluster {
                    keep: 3,
                    drop: vec![5, 7]
                }
            ]
        );
        let c = clusters(8, &pairs, &words, KeepPolicy::Longest);
        assert_eq!(
            c,
            vec![
                Cluster {
                    keep: 2,
                    drop: vec![1]
                },
                Cluster {
                    keep: 5,
                    drop: vec![3, 7]
                }
            ]
        );
        assert!(clusters(3, &[], &[0; 3], KeepPolicy::First).is_empty());
    }

    #[test]
    fn a_preferred_member_is_kept_and_the_policy_decides_among_equals() {
        // 0 and 2 new, 1 and 3 preferred (indexed); 0~1~2 and 3~4.
        let pairs = [(0, 1), (1, 2), (3, 4)];
        let words = [90, 10, 50, 5, 80];
        let pref = [false, true, false, true, false];
        for policy in [KeepPolicy::First, KeepPolicy::Longest] {
            let c = clusters_preferring(5, &pairs, &words, policy, &pref);
            assert_eq!(
                c,
                vec![
                    Cluster {
                        keep: 1,
                        drop: vec![0, 2]
                    },
                    Cluster {
                        keep: 3,
                        drop: vec![4]
                    }
                ],
                "{policy:?}"
            );
        }
        // Two preferred ones: the policy chooses between them.
        let pref = [true, false, true];
        let c = clusters_preferring(
            3,
            &[(0, 1), (1, 2)],
            &[10, 90, 50],
            KeepPolicy::Longest,
            &pref,
        );
        assert_eq!(c[0].keep, 2);
        let c = clusters_preferring(
            3,
            &[(0, 1), (1, 2)],
            &[10, 90, 50],
            KeepPolicy::First,
            &pref,
        );
        assert_eq!(c[0].keep, 0);
        // None preferred: as clusters().
        let c = clusters_preferring(
            3,
            &[(0, 1), (1, 2)],
            &[10, 90, 50],
            KeepPolicy::Longest,
            &[],
        );
        assert_eq!(
            c,
            clusters(3, &[(0, 1), (1, 2)], &[10, 90, 50], KeepPolicy::Longest)
        );
        assert_eq!(c[0].keep, 1);
    }

    #[test]
    fn ties_in_length_keep_the_first() {
        let c = clusters(3, &[(0, 2), (1, 2)], &[7, 7, 7], KeepPolicy::Longest);
        assert_eq!(
            c,
            vec![Cluster {
                keep: 0,
                drop: vec![1, 2]
            }]
        );
    }
}

/// [`clusters`] and [`clusters_preferring`] against connected components
/// found by breadth-first search over an adjacency list, and the keeper
/// chosen by a plain scan of each component.
#[cfg(test)]
mod oracle {
    use super::{clusters, clusters_preferring, Cluster, KeepPolicy};
    use proptest::prelude::*;
    use std::collections::VecDeque;

    /// Components with at least one pair, each sorted, in order of their
    /// smallest member.
    fn components(n: usize, pairs: &[(u32, u32)]) -> Vec<Vec<u32>> {
        let mut adj = vec![Vec::new(); n];
        for &(a, b) in pairs {
            adj[a as usize].push(b);
            adj[b as usize].push(a);
        }
        let mut seen = vec![false; n];
        let mut out = Vec::new();
        for start in 0..n {
            if seen[start] || adj[start].is_empty() {
                continue;
            }
            seen[start] = true;
            let mut queue = VecDeque::from([start as u32]);
            let mut comp = Vec::new();
            while let Some(d) = queue.pop_front() {
                comp.push(d);
                for &e in &adj[d as usize] {
                    if !seen[e as usize] {
                        seen[e as usize] = true;
                        queue.push_back(e);
                    }
                }
            }
            comp.sort();
            out.push(comp);
        }
        out
    }

    fn reference(
        n: usize,
        pairs: &[(u32, u32)],
        words: &[u32],
        policy: KeepPolicy,
        preferred: &[bool],
    ) -> Vec<Cluster> {
        let is_preferred = |d: u32| (d as usize) < preferred.len() && preferred[d as usize];
        let mut out: Vec<Cluster> = components(n, pairs)
            .into_iter()
            .map(|comp| {
                let mut eligible: Vec<u32> =
                    comp.iter().copied().filter(|&d| is_preferred(d)).collect();
                if eligible.is_empty() {
                    eligible = comp.clone();
                }
                // Ascending, so the first best is the first by path.
                let mut keep = eligible[0];
                for &d in &eligible {
                    if policy == KeepPolicy::Longest && words[d as usize] > words[keep as usize] {
                        keep = d;
                    }
                }
                let drop = comp.into_iter().filter(|&d| d != keep).collect();
                Cluster { keep, drop }
            })
            .collect();
        out.sort_by_key(|c| c.keep);
        out
    }

    /// `(n, pairs, words, preferred)`.
    type Graph = (usize, Vec<(u32, u32)>, Vec<u32>, Vec<bool>);

    /// A graph of up to 40 documents, its pairs in either order, some
    /// repeated; word counts with many ties; a preferred list of any
    /// length up to `n`.
    fn graph() -> impl Strategy<Value = Graph> {
        (2usize..40).prop_flat_map(|n| {
            let n32 = n as u32;
            let pair = (0..n32, 1..n32).prop_map(move |(a, step)| (a, (a + step) % n32));
            (
                Just(n),
                prop::collection::vec(pair, 0..2 * n),
                prop::collection::vec(0u32..5, n),
                prop::collection::vec(prop::bool::weighted(0.2), 0..=n),
            )
        })
    }

    proptest! {
        #[test]
        fn clusters_are_the_connected_components((n, pairs, words, preferred) in graph()) {
            for policy in [KeepPolicy::First, KeepPolicy::Longest] {
                let got = clusters_preferring(n, &pairs, &words, policy, &preferred);
                prop_assert_eq!(&got, &reference(n, &pairs, &words, policy, &preferred), "{:?}", policy);
                prop_assert_eq!(
                    clusters(n, &pairs, &words, policy),
                    reference(n, &pairs, &words, policy, &[]),
                    "{:?}", policy
                );
                // What the docs promise, said directly: every document of a
                // pair is in exactly one cluster, drops ascending, keepers
                // ascending, the keeper preferred when any member is, and
                // best by the policy among the eligible, ties to the first.
                let mut count = vec![0; n];
                for c in &got {
                    for &d in std::iter::once(&c.keep).chain(&c.drop) {
                        count[d as usize] += 1;
                    }
                    prop_assert!(c.drop.windows(2).all(|w| w[0] < w[1]));
                    prop_assert!(!c.drop.is_empty());
                    let pref = |d: u32| preferred.get(d as usize).copied().unwrap_or(false);
                    let any = c.drop.iter().any(|&d| pref(d)) || pref(c.keep);
                    prop_assert!(!any || pref(c.keep));
                    for &d in c.drop.iter().filter(|&&d| !any || pref(d)) {
                        let better = match policy {
                            KeepPolicy::First => d < c.keep,
                            KeepPolicy::Longest => (words[d as usize], c.keep) > (words[c.keep as usize], d),
                        };
                        prop_assert!(!better, "{} dropped for {}", d, c.keep);
                    }
                }
                prop_assert!(got.windows(2).all(|w| w[0].keep < w[1].keep));
                for (d, &k) in count.iter().enumerate() {
                    let in_pair = pairs.iter().any(|&(a, b)| a as usize == d || b as usize == d);
                    prop_assert_eq!(k, usize::from(in_pair), "document {}", d);
                }
            }
        }
    }
}
