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
    sort_postings(v)
}

/// Sorts postings appended in document order (as [`build`] appends them)
/// by hash, in place: what `build` gives for the same lists, without a
/// second copy of them (the candidate stage's ranges are sorted where they
/// were gathered). The order is that of `(hash, document)`, which for
/// postings in document order is the stable sort by hash: an in-place
/// radix sort ([`radix_sort_in_place`]) whose first pass splits the list in
/// 256 parts by the 8 bits below the prefix every hash shares; long lists
/// sort those parts in parallel.
pub fn sort_in_place(v: &mut [Posting]) {
    use rayon::prelude::*;
    let key = |p: &Posting| p.0;
    if v.len() < PARALLEL_MIN || rayon::current_num_threads() < 2 {
        radix_sort_in_place(v, key);
        return;
    }
    let done = shared_prefix(v, key);
    if done >= 64 {
        // One hash: the documents' order is the order.
        v.sort_unstable();
        return;
    }
    let bits = (64 - done).min(8);
    let parts = flag_pass(v, key, done, bits);
    let rest = done + bits;
    let mut slices: Vec<&mut [Posting]> = Vec::with_capacity(parts.len());
    let mut tail: &mut [Posting] = v;
    for &len in &parts {
        let (here, after) = std::mem::take(&mut tail).split_at_mut(len);
        slices.push(here);
        tail = after;
    }
    slices.into_par_iter().for_each(|part| msd(part, key, rest));
}

/// Sorts `v` in place into its `Ord` order, where `key(x)` is the order's
/// first 64 bits (`key(x) < key(y)` implies `x < y`; elements with equal
/// keys are ordered by the rest of `Ord`): an American flag sort, a
/// most-significant-digit radix sort that moves each element in place,
/// 8 bits a pass from below the prefix every key shares, with a pass
/// skipped where a bucket's keys share the digit too; buckets of up to
/// [`SMALL`] elements are finished by insertion sort, and elements of equal
/// keys by the standard library's sort. No allocation, no copy; the result
/// is the one sorted order of `v` (an unstable sort, but elements that
/// compare equal are equal in every field the callers keep).
pub fn radix_sort_in_place<T: Copy + Ord>(v: &mut [T], key: impl Fn(&T) -> u64 + Copy) {
    if v.len() <= SMALL {
        insertion_sort(v);
        return;
    }
    msd(v, key, shared_prefix(v, key));
}

/// Buckets [`radix_sort_in_place`] leaves to insertion sort.
const SMALL: usize = 24;

/// Top bits every key of `v` has in common (64 when all are equal).
fn shared_prefix<T>(v: &[T], key: impl Fn(&T) -> u64) -> u32 {
    let (or, and) = v.iter().fold((0u64, u64::MAX), |(o, a), x| {
        let k = key(x);
        (o | k, a & k)
    });
    (or ^ and).leading_zeros()
}

/// The digit of `k` in a pass on the `bits` bits below the top `done`.
#[inline(always)]
fn digit(k: u64, done: u32, bits: u32) -> usize {
    ((k << done) >> (64 - bits)) as usize
}

/// One in-place pass of [`radix_sort_in_place`]: `v` put in the order of
/// the `bits` (1 to 8) key bits below the top `done` (`done + bits <= 64`),
/// each element moved once, to the next free slot of its bucket. Returns
/// the buckets' lengths, in order.
fn flag_pass<T: Copy>(v: &mut [T], key: impl Fn(&T) -> u64, done: u32, bits: u32) -> Vec<usize> {
    let mut ends = counts(v, &key, done, bits);
    let lens = ends[..1usize << bits].to_vec();
    let mut next = bounds(&mut ends, bits);
    permute(v, &key, done, bits, &mut next, &ends);
    lens
}

/// How many elements of `v` fall in each bucket of the digit of
/// [`flag_pass`].
fn counts<T>(v: &[T], key: &impl Fn(&T) -> u64, done: u32, bits: u32) -> [usize; 256] {
    let mut counts = [0usize; 256];
    for x in v {
        counts[digit(key(x), done, bits)] += 1;
    }
    counts
}

/// Bucket counts turned into bucket ends (in place), returning the starts.
fn bounds(ends: &mut [usize; 256], bits: u32) -> [usize; 256] {
    let mut starts = [0usize; 256];
    let mut sum = 0;
    for b in 0..1usize << bits {
        starts[b] = sum;
        sum += ends[b];
        ends[b] = sum;
    }
    starts
}

/// The American flag permutation: `next[b]..ends[b]` is bucket `b`'s part
/// of `v` still to fill.
#[inline]
fn permute<T: Copy>(
    v: &mut [T],
    key: &impl Fn(&T) -> u64,
    done: u32,
    bits: u32,
    next: &mut [usize; 256],
    ends: &[usize; 256],
) {
    for b in 0..1usize << bits {
        while next[b] < ends[b] {
            let mut x = v[next[b]];
            let mut c = digit(key(&x), done, bits);
            while c != b {
                std::mem::swap(&mut x, &mut v[next[c]]);
                next[c] += 1;
                c = digit(key(&x), done, bits);
            }
            v[next[b]] = x;
            next[b] += 1;
        }
    }
}

/// [`radix_sort_in_place`] of `v`, whose keys share their top `done` bits.
fn msd<T: Copy + Ord>(v: &mut [T], key: impl Fn(&T) -> u64 + Copy, mut done: u32) {
    loop {
        if v.len() <= SMALL {
            insertion_sort(v);
            return;
        }
        if done >= 64 {
            // Equal keys: the rest of the order decides.
            v.sort_unstable();
            return;
        }
        let bits = (64 - done).min(8);
        let buckets = 1usize << bits;
        let mut ends = counts(v, &key, done, bits);
        if ends[digit(key(&v[0]), done, bits)] == v.len() {
            // One bucket: nothing to move.
            done += bits;
            continue;
        }
        let mut next = bounds(&mut ends, bits);
        permute(v, &key, done, bits, &mut next, &ends);
        let mut start = 0;
        for &end in &ends[..buckets] {
            // Most buckets are small: finished here, without a call.
            let bucket = &mut v[start..end];
            match bucket.len() {
                0 | 1 => {}
                2 => {
                    if bucket[0] > bucket[1] {
                        bucket.swap(0, 1);
                    }
                }
                n if n <= SMALL => insertion_sort(bucket),
                _ => msd(bucket, key, done + bits),
            }
            start = end;
        }
        return;
    }
}

/// Insertion sort, for short lists.
#[inline]
fn insertion_sort<T: Copy + Ord>(v: &mut [T]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
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
fn sort_postings(mut v: Vec<Posting>) -> Vec<Posting> {
    use rayon::prelude::*;
    let len = v.len();
    if len < PARALLEL_MIN || rayon::current_num_threads() < 2 {
        crate::shingle::sort_by_hash(&mut v, |p| p.0);
        return v;
    }
    // Bits every hash has in common at the top (64 when all are equal).
    let (or, and) = v
        .iter()
        .fold((0u64, u64::MAX), |(o, a), p| (o | p.0, a & p.0));
    let common = (or ^ and).leading_zeros();
    if common >= 56 {
        // The hashes differ in their low 8 bits at most: one sort.
        crate::shingle::sort_by_hash(&mut v, |p| p.0);
        return v;
    }
    // Below the shared prefix, the order of the hashes is that of their
    // bits after it: the part is the next 8 bits, then the rest.
    let part = |p: &Posting| ((p.0 << common) >> 56) as usize;
    let rest = common + 8;
    let mut starts = [0usize; 257];
    for p in v.iter() {
        starts[part(p) + 1] += 1;
    }
    for b in 1..257 {
        starts[b] += starts[b - 1];
    }
    let bounds = starts;
    // Every slot is written once, so the first contents do not matter.
    let mut out = vec![(0u64, 0u32); len];
    for p in v.iter() {
        let b = part(p);
        out[starts[b]] = *p;
        starts[b] += 1;
    }
    drop(v);
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

/// The end of the run of hash `h` in sorted `v` from `from` (`from` when
/// `v[from]` is not `h`).
#[inline(always)]
fn run_end(v: &[Posting], mut from: usize, h: u64) -> usize {
    while from < v.len() && v[from].0 == h {
        from += 1;
    }
    from
}

/// Runs of two postings or more in sorted `v` (postings of a hash at least
/// two documents carry), in hash order: [`merged_runs`] of `(&[], v)`
/// without the runs of one, each skipped at the cost of a comparison.
pub fn shared_runs(v: &[Posting]) -> impl Iterator<Item = &[Posting]> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        // A run of two or more starts where a posting's hash is its
        // successor's.
        while i + 1 < v.len() && v[i].0 != v[i + 1].0 {
            i += 1;
        }
        if i + 1 >= v.len() {
            i = v.len();
            return None;
        }
        let start = i;
        i = run_end(v, i + 2, v[i].0);
        Some(&v[start..i])
    })
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
        let (ei, ej) = (run_end(old, i, next), run_end(new, j, next));
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

    /// Postings in document order sorted in place, on both sides of the
    /// in-place pass's and the parallel cutoffs, with hashes many
    /// documents share, hashes alike in their top bits (a hash range of
    /// the candidate stage: a prefix of every length) and one hash alone:
    /// what `build` gives, the sort of `(hash, document)`.
    #[test]
    fn sorting_in_place_is_the_sort_of_all_postings() {
        let mut z = 11u64;
        for (docs, per_doc) in [(50usize, 30usize), (2500, 60), (9000, 60)] {
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
            for common in [0u32, 1, 8, 20, 55, 56, 57, 62, 63, 64] {
                let prefix = 0xa5a5_5a5a_c3c3_3c3cu64
                    .checked_shl(64 - common)
                    .unwrap_or(0);
                let low = u64::MAX.checked_shr(common).unwrap_or(0);
                let lists: Vec<Vec<u64>> = lists
                    .iter()
                    .map(|l| {
                        let mut v: Vec<u64> = l.iter().map(|&h| prefix | (h & low)).collect();
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
                if docs == 9000 && common < 50 {
                    assert!(flat.len() > super::PARALLEL_MIN, "{common}");
                }
                if docs == 50 {
                    assert!(flat.len() <= crate::shingle::BUCKET_MAX);
                }
                super::sort_in_place(&mut flat);
                assert_eq!(flat, want, "{docs} docs, {common} bits in common");
            }
        }
        let mut empty: Vec<Posting> = Vec::new();
        super::sort_in_place(&mut empty);
        assert!(empty.is_empty());
    }

    /// The radix sort is the standard sort, for postings and for pairs
    /// (whose key is the whole order), on lists of every size around the
    /// insertion cutoff and the passes: keys alike in their top bits, equal
    /// keys with other fields in disorder, the extremes of the key space.
    #[test]
    fn radix_sort_in_place_is_the_sort() {
        let mut z = 3u64;
        let mut next = || {
            z = crate::sketch::mix64(z.wrapping_add(1));
            z
        };
        for len in [0usize, 1, 2, 23, 24, 25, 100, 257, 5000, 70_000] {
            for shape in 0..6u32 {
                let v: Vec<Posting> = (0..len)
                    .map(|_| {
                        let r = next();
                        let h = match shape {
                            0 => r,
                            1 => r % 7,
                            2 => 0xdead_beef_0000_0000 | (r >> 40),
                            3 => [0, u64::MAX, 1 << 63][(r % 3) as usize],
                            4 => 42,
                            _ => r & 0xff00_0000_0000_00ff,
                        };
                        (h, (next() % 1000) as u32)
                    })
                    .collect();
                let mut want = v.clone();
                want.sort_unstable();
                let mut got = v.clone();
                super::radix_sort_in_place(&mut got, |p| p.0);
                assert_eq!(got, want, "{len} {shape}");
                let mut pairs: Vec<(u32, u32)> =
                    v.iter().map(|&(h, d)| ((h >> 32) as u32, d)).collect();
                let mut want = pairs.clone();
                want.sort_unstable();
                super::radix_sort_in_place(&mut pairs, |&(a, b)| (a as u64) << 32 | b as u64);
                assert_eq!(pairs, want, "pairs {len} {shape}");
            }
        }
    }

    proptest! {
        #[test]
        fn shared_runs_are_the_runs_of_two_or_more(lists in lists(24)) {
            let v = reference_build(&lists, 0);
            let got: Vec<&[Posting]> = super::shared_runs(&v).collect();
            let want: Vec<&[Posting]> = merged_runs(&[], &v)
                .map(|r| r.new)
                .filter(|r| r.len() >= 2)
                .collect();
            prop_assert_eq!(got, want);
        }

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
