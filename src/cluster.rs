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
