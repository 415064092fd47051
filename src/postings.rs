//! Sorted `(hash, document)` lists, the shape both fingerprints and LSH band
//! keys take between the sketch stage and the candidate stage.
//!
//! A corpus can be split in two lists: `old` (documents known from an index,
//! already sorted) and `new` (sketched in this run). [`merged_runs`] walks
//! both at once, run of equal hashes by run, so the chrome and candidate
//! stages never re-sort the indexed part.

/// A posting: a hash and the document carrying it.
pub type Posting = (u64, u32);

/// Sorts `(hash, doc)` postings built from per-document hash lists, with
/// document ids starting at `first_id`. Each list should hold distinct hashes.
pub fn build<'a, I>(lists: I, first_id: u32) -> Vec<Posting>
where
    I: IntoIterator<Item = &'a [u64]>,
{
    let mut v = Vec::new();
    for (d, hashes) in lists.into_iter().enumerate() {
        let id = first_id + d as u32;
        v.extend(hashes.iter().map(|&h| (h, id)));
    }
    // In document order, so a stable sort by hash is the (hash, document)
    // order.
    sort_postings(vec![v])
}

/// Sorts postings appended in document order (as [`build`] appends them),
/// in chunks end to end: what `build` gives for the same lists. The chunks
/// are read in place (the long lists' first pass scatters from them), not
/// first copied into one list.
pub fn sort_chunks(chunks: Vec<Vec<Posting>>) -> Vec<Posting> {
    sort_postings(chunks)
}

/// Postings at which [`sort_postings`] splits the work between threads.
const PARALLEL_MIN: usize = 1 << 17;

/// Sorts postings by hash, stably: for long lists one stable pass into 256
/// parts by the 8 bits below the prefix every hash shares, then each part
/// sorted on the bits after those (the parts in parallel); otherwise
/// [`crate::shingle::sort_by_hash`] alone. The result is that of a stable
/// sort by hash either way.
///
/// The shared prefix matters: the candidate stage sorts a hash range at a
/// time, and winnowed fingerprints crowd the low end of the hash space, so
/// a range's hashes often share their top bits (a split on the top 8 bits
/// would put them all in one part, sorted by one thread).
fn sort_postings(mut chunks: Vec<Vec<Posting>>) -> Vec<Posting> {
    use rayon::prelude::*;
    let len: usize = chunks.iter().map(|c| c.len()).sum();
    // One list: the first chunk with the others appended.
    let concat = |mut chunks: Vec<Vec<Posting>>| {
        if chunks.len() == 1 {
            return chunks.pop().unwrap_or_default();
        }
        let mut v = Vec::with_capacity(len);
        for c in chunks {
            v.extend_from_slice(&c);
        }
        v
    };
    if len < PARALLEL_MIN || rayon::current_num_threads() < 2 {
        let mut v = concat(chunks);
        crate::shingle::sort_by_hash(&mut v, |p| p.0);
        return v;
    }
    // Bits every hash has in common at the top (64 when all are equal).
    let (or, and) = chunks
        .iter()
        .flatten()
        .fold((0u64, u64::MAX), |(o, a), p| (o | p.0, a & p.0));
    let common = (or ^ and).leading_zeros();
    if common >= 56 {
        // The hashes differ in their low 8 bits at most: one sort.
        let mut v = concat(chunks);
        crate::shingle::sort_by_hash(&mut v, |p| p.0);
        return v;
    }
    // Below the shared prefix, the order of the hashes is that of their
    // bits after it: the part is the next 8 bits, then the rest.
    let part = |p: &Posting| ((p.0 << common) >> 56) as usize;
    let rest = common + 8;
    let mut starts = [0usize; 257];
    for p in chunks.iter().flatten() {
        starts[part(p) + 1] += 1;
    }
    for b in 1..257 {
        starts[b] += starts[b - 1];
    }
    let bounds = starts;
    // Every slot is written once, so the first contents do not matter.
    let mut out = vec![(0u64, 0u32); len];
    for c in chunks.iter_mut() {
        for p in c.iter() {
            let b = part(p);
            out[starts[b]] = *p;
            starts[b] += 1;
        }
        // Each chunk freed once scattered.
        *c = Vec::new();
    }
    drop(chunks);
    let mut parts: Vec<&mut [Posting]> = Vec::with_capacity(256);
    let mut tail: &mut [Posting] = &mut out;
    for b in 0..256 {
        let (here, after) = tail.split_at_mut(bounds[b + 1] - bounds[b]);
        parts.push(here);
        tail = after;
    }
    // Within a part the top `rest` bits are equal: the order of the hashes
    // is that of their other bits, which the sort wants on top (`rest` is
    // below 64 here, so some are left).
    parts
        .into_par_iter()
        .for_each(|part| crate::shingle::sort_by_hash(part, |p| p.0 << rest));
    out
}

/// One hash and the old and new documents carrying it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run<'a> {
    /// The hash.
    pub hash: u64,
    /// Old postings with that hash.
    pub old: &'a [Posting],
    /// New postings with that hash.
    pub new: &'a [Posting],
}

impl Run<'_> {
    /// Documents carrying the hash.
    pub fn df(&self) -> usize {
        self.old.len() + self.new.len()
    }
}

/// Runs of equal hashes over two sorted posting lists, in hash order.
pub fn merged_runs<'a>(
    old: &'a [Posting],
    new: &'a [Posting],
) -> impl Iterator<Item = Run<'a>> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let next = match (old.get(i), new.get(j)) {
            (None, None) => return None,
            (Some(o), None) => o.0,
            (None, Some(n)) => n.0,
            (Some(o), Some(n)) => o.0.min(n.0),
        };
        let run_end = |v: &[Posting], from: usize| {
            from + v[from..].iter().take_while(|p| p.0 == next).count()
        };
        let (ei, ej) = (run_end(old, i), run_end(new, j));
        let run = Run {
            hash: next,
            old: &old[i..ei],
            new: &new[j..ej],
        };
        (i, j) = (ei, ej);
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_runs_from_both_sides() {
        let old = build([&[1u64, 5][..], &[5, 9]], 0);
        let new = build([&[5u64, 7][..]], 2);
        let runs: Vec<(u64, usize, usize)> = merged_runs(&old, &new)
            .map(|r| (r.hash, r.old.len(), r.new.len()))
            .collect();
        assert_eq!(runs, vec![(1, 1, 0), (5, 2, 1), (7, 0, 1), (9, 1, 0)]);
        assert_eq!(merged_runs(&[], &[]).count(), 0);
        let r = merged_runs(&old, &new).nth(1).unwrap();
        assert_eq!(r.df(), 3);
        assert_eq!(r.new, &[(5, 2)]);
    }
}

/// [`merged_runs`] and [`build`] against plain references: a sort of all
/// `(hash, document)` tuples, and a map from each hash to the old and new
/// postings carrying it.
#[cfg(test)]
mod oracle {
    use super::{build, merged_runs, Posting};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Per-document hash lists (distinct hashes each, as [`build`] asks):
    /// a few hashes many documents share, beside arbitrary ones, in
    /// corpora on both sides of the radix sort's 256-posting cutoff.
    fn lists(max_docs: usize) -> impl Strategy<Value = Vec<Vec<u64>>> {
        let hash = prop_oneof![
            3 => (0u64..6).prop_map(|h| h.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            1 => Just(u64::MAX),
            1 => Just(0),
            2 => any::<u64>(),
        ];
        let list = prop::collection::btree_set(hash, 0..40).prop_map(|s| {
            // Not in hash order: build must sort.
            let mut v: Vec<u64> = s.into_iter().collect();
            v.reverse();
            v
        });
        prop::collection::vec(list, 0..max_docs)
    }

    fn reference_build(lists: &[Vec<u64>], first_id: u32) -> Vec<Posting> {
        let mut v: Vec<Posting> = Vec::new();
        for (d, hashes) in lists.iter().enumerate() {
            for &h in hashes {
                v.push((h, first_id + d as u32));
            }
        }
        v.sort();
        v
    }

    type Runs = Vec<(u64, Vec<Posting>, Vec<Posting>)>;

    fn reference_runs(old: &[Posting], new: &[Posting]) -> Runs {
        let mut by_hash: BTreeMap<u64, (Vec<Posting>, Vec<Posting>)> = BTreeMap::new();
        for &p in old {
            by_hash.entry(p.0).or_default().0.push(p);
        }
        for &p in new {
            by_hash.entry(p.0).or_default().1.push(p);
        }
        by_hash.into_iter().map(|(h, (o, n))| (h, o, n)).collect()
    }

    /// Past the size where the sort is split in parts and threads: the
    /// same stable sort, with hashes many documents share, hashes alike in
    /// their top bits, and parts of every size.
    #[test]
    fn long_lists_sort_the_same() {
        let mut z = 5u64;
        let lists: Vec<Vec<u64>> = (0..3000)
            .map(|d| {
                let mut v: Vec<u64> = (0..60)
                    .map(|i| {
                        z = crate::sketch::mix64(z.wrapping_add(1));
                        match (d + i) % 4 {
                            0 => z % 50,
                            1 => z | 0xff00_0000_0000_0000,
                            _ => z,
                        }
                    })
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let want = reference_build(&lists, 7);
        assert!(want.len() > super::PARALLEL_MIN);
        assert_eq!(build(lists.iter().map(|l| l.as_slice()), 7), want);
        // Hashes sharing a prefix of every length (a hash range of the
        // candidate stage), with ties: split below the prefix, the same.
        for common in [1u32, 8, 20, 55, 56, 57, 63, 64] {
            let prefix = 0xa5a5_5a5a_c3c3_3c3cu64
                .checked_shl(64 - common)
                .unwrap_or(0);
            let low = u64::MAX.checked_shr(common).unwrap_or(0);
            // Few distinct hashes per document under a long prefix: more
            // documents, to stay past the parallel cutoff.
            let docs = if common >= 60 { 140_000 } else { lists.len() };
            let lists: Vec<Vec<u64>> = (0..docs)
                .map(|d| {
                    let l = &lists[d % lists.len()];
                    let mut v: Vec<u64> = l.iter().map(|&h| prefix | (h & low)).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect();
            let want = reference_build(&lists, 7);
            assert!(want.len() > super::PARALLEL_MIN, "{common}");
            assert_eq!(
                build(lists.iter().map(|l| l.as_slice()), 7),
                want,
                "{common}"
            );
        }
    }

    /// Chunks end to end, split anywhere (empty chunks too), sort as the
    /// one list they make, on both sides of the parallel cutoff.
    #[test]
    fn chunks_sort_as_their_concatenation() {
        let mut z = 11u64;
        for (docs, per_doc) in [(50usize, 30usize), (4000, 60)] {
            let lists: Vec<Vec<u64>> = (0..docs)
                .map(|d| {
                    let mut v: Vec<u64> = (0..per_doc)
                        .map(|i| {
                            z = crate::sketch::mix64(z.wrapping_add(1));
                            if (d + i) % 3 == 0 {
                                z % 40
                            } else {
                                z >> (d % 5)
                            }
                        })
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect();
            let want = reference_build(&lists, 3);
            let mut flat: Vec<Posting> = Vec::new();
            for (d, l) in lists.iter().enumerate() {
                flat.extend(l.iter().map(|&h| (h, 3 + d as u32)));
            }
            assert_eq!(docs < 100, flat.len() < super::PARALLEL_MIN);
            for cuts in [1usize, 2, 7, 300] {
                let mut chunks: Vec<Vec<Posting>> = Vec::new();
                let mut rest = &flat[..];
                for c in 0..cuts {
                    let take = if c + 1 == cuts {
                        rest.len()
                    } else {
                        (rest.len() / 3).max(c % 2)
                    };
                    let (here, after) = rest.split_at(take.min(rest.len()));
                    chunks.push(here.to_vec());
                    chunks.push(Vec::new());
                    rest = after;
                }
                assert_eq!(super::sort_chunks(chunks), want, "{docs} docs, {cuts} cuts");
            }
            assert!(super::sort_chunks(Vec::new()).is_empty());
        }
    }

    proptest! {
        #[test]
        fn build_is_a_sort_of_all_postings(lists in lists(24), first_id in 0u32..1000) {
            let got = build(lists.iter().map(|l| l.as_slice()), first_id);
            prop_assert_eq!(got, reference_build(&lists, first_id));
        }

        #[test]
        fn merged_runs_are_a_sort_merge(old in lists(12), new in lists(12)) {
            let old = reference_build(&old, 0);
            let new = reference_build(&new, 1000);
            let got: Runs = merged_runs(&old, &new)
                .map(|r| {
                    assert_eq!(r.df(), r.old.len() + r.new.len());
                    (r.hash, r.old.to_vec(), r.new.to_vec())
                })
                .collect();
            prop_assert_eq!(got, reference_runs(&old, &new));
            // The runs are the inputs' own slices, back to back.
            let (mut i, mut j) = (0, 0);
            for r in merged_runs(&old, &new) {
                prop_assert!(std::ptr::eq(r.old.as_ptr(), old[i..].as_ptr()));
                prop_assert!(std::ptr::eq(r.new.as_ptr(), new[j..].as_ptr()));
                i += r.old.len();
                j += r.new.len();
            }
            prop_assert_eq!((i, j), (old.len(), new.len()));
        }
    }
}
