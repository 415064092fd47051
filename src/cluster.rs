//! Clusters of flagged documents and the copy to keep in each.

/// Which copy of a cluster to keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
            let keep = match policy {
                KeepPolicy::First => m[0],
                KeepPolicy::Longest => *m
                    .iter()
                    .max_by_key(|&&d| (words[d as usize], std::cmp::Reverse(d)))
                    .expect("a cluster has members"),
            };
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
