//! A string interner for the hot paths (term counting, stop words, stem cache): open
//! addressing over 32-byte slots, terms also stored back to back in one arena string.
//!
//! Profiling TF-IDF fitting showed the previous design (slot → id → (start, end) → arena)
//! paying three dependent cache misses per lookup once a chunk's vocabulary outgrew the
//! cache. Keys of up to 24 bytes (nearly every word of natural language) are now stored
//! inline in their slot, zero-padded, so a lookup is one slot read and three word
//! compares; longer keys keep a tag in the slot and are compared against the arena.
//! The hash is a folded multiply of the padded words (no byte loop, no allocation).

/// Longest key stored inline in its slot.
const INLINE: usize = 24;
/// Length code of a key that lives only in the arena.
const LONG: u64 = 0xFF;

/// One table slot: the key's padded bytes (inline keys) and `meta` = hash tag (24 bits)
/// << 40 | length code (8 bits) << 32 | (id + 1), i.e. the key's low 32 hash bits above
/// the id; `meta == 0` marks an empty slot.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    key: [u64; 3],
    meta: u64,
}

/// Interns strings to dense ids `0..len()` in first-seen order.
#[derive(Debug, Default)]
pub struct Interner {
    /// Length is a power of two (or zero); at most half full.
    table: Vec<Slot>,
    /// 64 − log2(table length): a hash's top bits index the table.
    shift: u32,
    /// Per id: start and end in `arena`.
    entries: Vec<(usize, usize)>,
    arena: String,
}

#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// A key prepared for lookup: its bytes packed into words (inline keys only), and its
/// hash with the length code in the low byte (32 bytes in all, so the keys a caller
/// keeps in flight are cheap to copy, and the slot's tag is one 32-bit compare).
/// Preparing the keys of a document ahead of interning them lets the caller prefetch
/// their slots ([`Interner::prefetch`]), overlapping the cache misses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Key {
    words: [u64; 3],
    /// Bits 8..64: hash (the table index is its top bits, the tag bits 8..32); bits
    /// 0..8: length code.
    hash: u64,
}

/// `hash` with its low byte replaced by the length code `code`.
#[inline(always)]
fn with_code(hash: u64, code: u64) -> u64 {
    hash & !0xFF | code
}

#[inline(always)]
fn load8(s: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(b)
}

#[inline(always)]
fn load4(s: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&s[at..at + 4]);
    u64::from(u32::from_le_bytes(b))
}

/// Packs a key of at most 24 bytes into three words, zero-padded (byte `k` of the key is
/// byte `k % 8` of word `k / 8`), with fixed-size (possibly overlapping) loads shifted into
/// place: no variable-length copy, so no store-forwarding stall. Together with the length,
/// which is part of the slot's tag, the packing is injective. Zero padding makes it the
/// packing of [`window_words`], which needs no branch on the length.
#[inline(always)]
fn pack(s: &[u8]) -> [u64; 3] {
    let n = s.len();
    match n {
        0 => [0; 3],
        1..=3 => [
            u64::from(s[0])
                | u64::from(s[n / 2]) << (8 * (n / 2))
                | u64::from(s[n - 1]) << (8 * (n - 1)),
            0,
            0,
        ],
        4..=8 => [load4(s, 0) | load4(s, n - 4) << (8 * (n - 4)), 0, 0],
        9..=16 => [load8(s, 0), load8(s, n - 8) >> (8 * (16 - n)), 0],
        _ => [load8(s, 0), load8(s, 8), load8(s, n - 8) >> (8 * (24 - n))],
    }
}

/// Longest key [`window_words`] packs.
const WINDOW: usize = 16;

/// Per length `n` in `0..=WINDOW`: the masks of a window's two words that keep its first
/// `n` bytes and clear the rest.
static WINDOW_MASKS: [[u64; 2]; WINDOW + 1] = {
    const fn first_bytes(k: usize) -> u64 {
        if k >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * k)) - 1
        }
    }
    let mut masks = [[0u64; 2]; WINDOW + 1];
    let mut n = 0;
    while n <= WINDOW {
        masks[n] = [first_bytes(n), first_bytes(n.saturating_sub(8))];
        n += 1;
    }
    masks
};

/// [`pack`] of the first `mask`-kept bytes of a 16-byte `window`: two loads and two
/// ANDs whatever the length, where [`pack`] branches on it (English word lengths make
/// that branch mispredict often).
#[inline(always)]
fn window_words(window: &[u8; WINDOW], mask: &[u64; 2]) -> [u64; 3] {
    [load8(window, 0) & mask[0], load8(window, 8) & mask[1], 0]
}

/// ASCII-lowercases the bytes of `x` (eight at a time), leaving every other byte, and so
/// any UTF-8 sequence, unchanged: `A`..=`Z` are the only bytes with the high bit clear
/// at or above `A` and not above `Z`.
#[inline(always)]
pub(crate) fn lower_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low = x & (0x7F * ONES);
    let ge_a = low + (0x80 - u64::from(b'A')) * ONES;
    let gt_z = low + (0x80 - u64::from(b'Z') - 1) * ONES;
    let upper = ge_a & !gt_z & !x & (0x80 * ONES);
    x | (upper >> 2)
}

/// Seeds of the hash.
const S0: u64 = 0x243F_6A88_85A3_08D3;
const S1: u64 = 0x1319_8A2E_0370_7344;
const S2: u64 = 0xA409_3822_299F_31D0;
const S3: u64 = 0x082E_FA98_EC4E_6C89;

/// The key of an inline key of `n` bytes packed (and lowercased, if it is) in `words`.
#[inline(always)]
fn inline_key(words: [u64; 3], n: usize) -> Key {
    // Nearly every word fits two words: one multiply mixes them with the length (for
    // most, the second word is zero).
    let hash = if n <= WINDOW {
        fold_mul(words[0] ^ S0, words[1] ^ S1 ^ n as u64)
    } else {
        let h = fold_mul(words[0] ^ S0, words[1] ^ S1);
        fold_mul(h ^ words[2] ^ S2, S3 ^ n as u64)
    };
    Key {
        words,
        hash: with_code(hash, n as u64),
    }
}

/// The key of `s` (or, with `LOWER`, of `s` ASCII-lowercased, computed from `s` without a
/// copy: lowercasing is byte-wise, so it commutes with the packing and the word loads).
#[inline(always)]
fn prepare_impl<const LOWER: bool>(s: &[u8]) -> Key {
    let lw = |x: u64| if LOWER { lower_word(x) } else { x };
    if s.len() <= INLINE {
        let mut words = pack(s);
        // Words past the key's length are zero: only the used ones need lowercasing.
        words[0] = lw(words[0]);
        if LOWER && s.len() > 8 {
            words[1] = lw(words[1]);
            words[2] = lw(words[2]);
        }
        inline_key(words, s.len())
    } else {
        let mut h = S0 ^ s.len() as u64;
        let mut chunks = s.chunks_exact(8);
        for c in &mut chunks {
            h = fold_mul(h ^ lw(load8(c, 0)), S1);
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        let hash = fold_mul(h ^ lw(u64::from_le_bytes(last)), S2);
        Key {
            words: [0; 3],
            hash: with_code(hash, LONG),
        }
    }
}

/// Writes [`prepare_impl`] of `doc[a..b]` to `out`. A key of at most [`WINDOW`] bytes
/// with that many bytes of `doc` from its start (nearly every token of a document) is
/// packed from that window ([`window_words`]) and lowercased without a branch on its
/// length; any other goes the general way ([`prepare_slice`]). Written in place, so that
/// the two ways do not meet in a temporary copy of the key.
#[inline(always)]
fn prepare_span<const LOWER: bool>(doc: &[u8], a: usize, b: usize, out: &mut Key) {
    let n = b.wrapping_sub(a);
    // Where the last full window starts: invariant in a caller's loop over one document,
    // so the test per token is two compares.
    let last_window = doc.len().checked_sub(WINDOW);
    let window = match last_window {
        Some(last) if a <= last => doc[a..].first_chunk::<WINDOW>(),
        _ => None,
    };
    let (Some(window), Some(mask)) = (window, WINDOW_MASKS.get(n)) else {
        return prepare_slice::<LOWER>(doc, a, b, out);
    };
    let [w0, w1, w2] = window_words(window, mask);
    let words = if LOWER {
        [lower_word(w0), lower_word(w1), w2]
    } else {
        [w0, w1, w2]
    };
    *out = inline_key(words, n);
}

/// Writes [`prepare_impl`] of `doc[a..b]` to `out` (panics if `a..b` is not a span of
/// `doc`): out of line, so that the rare tokens it takes (long, or at a document's very
/// end) leave a caller's loop its registers.
#[cold]
#[inline(never)]
fn prepare_slice<const LOWER: bool>(doc: &[u8], a: usize, b: usize, out: &mut Key) {
    *out = prepare_impl::<LOWER>(&doc[a..b]);
}

#[inline(always)]
fn prepare(s: &[u8]) -> Key {
    prepare_impl::<false>(s)
}

impl Key {
    /// The slot's `meta` for this key with id `id`.
    #[inline(always)]
    fn meta(&self, id: u32) -> u64 {
        u64::from(self.hash as u32) << 32 | u64::from(id + 1)
    }

    /// Whether `slot` (non-empty) could hold this key: same tag and length code.
    #[inline(always)]
    fn tag_matches(&self, meta: u64) -> bool {
        (meta >> 32) as u32 == self.hash as u32
    }

    /// Whether the key lives only in the arena (longer than an inline key).
    #[inline(always)]
    fn is_long(&self) -> bool {
        self.hash & 0xFF == LONG
    }
}

/// Whether `stored` equals `s` ASCII-lowercased (only `A`..=`Z` of `s` change).
#[inline]
pub(crate) fn eq_bytes_lower(stored: &[u8], s: &[u8]) -> bool {
    stored.len() == s.len()
        && stored
            .iter()
            .zip(s)
            .all(|(a, b)| *a == b.to_ascii_lowercase())
}

/// Byte equality without a libc call for short strings.
#[inline]
pub(crate) fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        let x = u64::from_ne_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        let y = u64::from_ne_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]);
        if x != y {
            return false;
        }
    }
    ca.remainder()
        .iter()
        .zip(cb.remainder())
        .all(|(x, y)| x == y)
}

impl Interner {
    /// An empty interner with room for `n` strings before its table grows.
    pub fn with_capacity(n: usize) -> Self {
        let mut it = Interner::default();
        it.clear_with_capacity(n);
        it
    }

    /// Empties the interner and makes room for `n` strings before its table grows, as
    /// [`Interner::with_capacity`] would, but in the allocations it already has when they
    /// are large enough: an interner reused for chunk after chunk zeroes its table instead
    /// of faulting in a fresh one each time. Ids start again from 0.
    pub fn clear_with_capacity(&mut self, n: usize) {
        self.entries.clear();
        self.arena.clear();
        let wanted = if n > 0 {
            (n * 2).next_power_of_two().max(64)
        } else {
            0
        };
        if self.table.len() >= wanted {
            self.table.fill(Slot::default());
        } else {
            self.set_table(wanted);
        }
        self.entries.reserve(n);
    }

    /// The number of distinct strings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing has been interned.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The string with id `id`.
    pub fn get(&self, id: u32) -> &str {
        let (s, e) = self.entries[id as usize];
        &self.arena[s..e]
    }

    /// All strings in id order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|&(s, e)| &self.arena[s..e])
    }

    #[inline(always)]
    fn slot(&self, h: u64) -> usize {
        // The high bits index the table; bits 8..32 are the tag.
        (h >> self.shift) as usize
    }

    /// Replaces the table with `len` (a power of two) empty slots.
    fn set_table(&mut self, len: usize) {
        self.shift = 64 - len.trailing_zeros();
        self.table = vec![Slot::default(); len];
    }

    /// Whether `slot` holds `key`, whose string is `s` (ASCII-lowercased with `LOWER`).
    #[inline(always)]
    fn matches<const LOWER: bool>(&self, slot: &Slot, key: &Key, s: &str) -> bool {
        if !key.tag_matches(slot.meta) {
            return false;
        }
        if !key.is_long() {
            return slot.key == key.words;
        }
        let (st, en) = self.entries[(slot.meta as u32 - 1) as usize];
        let stored = &self.arena.as_bytes()[st..en];
        if LOWER {
            eq_bytes_lower(stored, s.as_bytes())
        } else {
            eq_bytes(stored, s.as_bytes())
        }
    }

    /// The id of `s`, if it has been interned.
    #[inline]
    pub fn find(&self, s: &str) -> Option<u32> {
        self.find_impl::<false>(s, &prepare(s.as_bytes()))
    }

    /// The id of `s` ASCII-lowercased, if it has been interned, with `key` =
    /// [`Interner::key_lower`]`(s)`: `find(&s.to_ascii_lowercase())` without the copy.
    #[inline]
    pub fn find_key_lower(&self, s: &str, key: &Key) -> Option<u32> {
        self.find_impl::<true>(s, key)
    }

    #[inline(always)]
    fn find_impl<const LOWER: bool>(&self, s: &str, key: &Key) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut i = self.slot(key.hash);
        loop {
            let slot = &self.table[i];
            if slot.meta == 0 {
                return None;
            }
            if self.matches::<LOWER>(slot, key, s) {
                return Some(slot.meta as u32 - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// Prepares `s` for [`Interner::prefetch`] and [`Interner::intern_key`].
    #[inline]
    pub fn key(s: &str) -> Key {
        prepare(s.as_bytes())
    }

    /// Hints the CPU to load the slot where `key`'s search starts (a no-op off x86-64).
    #[inline(always)]
    pub fn prefetch(&self, key: &Key) {
        if !self.table.is_empty() {
            crate::hint::prefetch(self.table.as_ptr().wrapping_add(self.slot(key.hash)));
        }
    }

    /// The id of `s`, interning it if new.
    #[inline]
    pub fn intern(&mut self, s: &str) -> u32 {
        self.intern_key(s, &prepare(s.as_bytes()))
    }

    /// [`Interner::intern`] with `key` = [`Interner::key`]`(s)` computed beforehand.
    #[inline]
    pub fn intern_key(&mut self, s: &str, key: &Key) -> u32 {
        self.intern_impl::<false>(|| s, key)
    }

    /// The key of `s` ASCII-lowercased, computed from `s` without a copy (see
    /// [`Interner::intern_key_lower`]).
    #[inline]
    pub fn key_lower(s: &str) -> Key {
        prepare_impl::<true>(s.as_bytes())
    }

    /// [`Interner::key_lower`] of a token given as bytes (a span of a document already
    /// known to be at char boundaries), so the hot loop skips `str` slicing's checks.
    #[inline(always)]
    pub fn key_lower_bytes(s: &[u8]) -> Key {
        prepare_impl::<true>(s)
    }

    /// Interns `s` ASCII-lowercased (only `A`..=`Z` change), with `key` =
    /// [`Interner::key_lower`]`(s)`: the same id and stored string as
    /// `intern(&s.to_ascii_lowercase())`, without lowercasing a copy of the text first.
    #[inline]
    pub fn intern_key_lower(&mut self, s: &str, key: &Key) -> u32 {
        self.intern_impl::<true>(|| s, key)
    }

    /// The lookup: a hit is one slot read and a compare (inlined into the caller's
    /// loop); a new key goes to the out-of-line [`Interner::insert`]. `s` gives the key's
    /// string, called only for a new key or an arena (long) key.
    #[inline(always)]
    fn intern_impl<'s, const LOWER: bool>(&mut self, s: impl Fn() -> &'s str, key: &Key) -> u32 {
        // The table is grown after an insertion fills it to half (in `insert`), so a
        // hit checks nothing here but that a table exists.
        if self.table.is_empty() {
            self.grow();
        }
        match self.probe::<LOWER>(&self.table, self.shift, key, &s) {
            Ok(id) => id,
            Err(vacant) => self.insert::<LOWER>(vacant, s(), key),
        }
    }

    /// Searches `slots` (this interner's non-empty table, with its `shift`, passed apart
    /// so that a caller's loop can keep them in registers) for `key`: its id, or the
    /// empty slot where it belongs. `s` gives the key's string, called only for an arena
    /// (long) key.
    #[inline(always)]
    fn probe<'s, const LOWER: bool>(
        &self,
        slots: &[Slot],
        shift: u32,
        key: &Key,
        s: impl Fn() -> &'s str,
    ) -> Result<u32, usize> {
        let mask = slots.len() - 1;
        let mut i = (key.hash >> shift) as usize;
        loop {
            let slot = &slots[i & mask];
            if slot.meta == 0 {
                return Err(i & mask);
            }
            if key.tag_matches(slot.meta)
                && (!key.is_long() && slot.key == key.words
                    || key.is_long() && self.matches::<LOWER>(slot, key, s()))
            {
                return Ok(slot.meta as u32 - 1);
            }
            i += 1;
        }
    }

    /// Interns the spans `a..b` of `doc` in order, ASCII-lowercased with `LOWER` (as
    /// [`Interner::intern_key_lower`]; else as [`Interner::intern`]), and calls `f` with
    /// the interner (to read a new key's string) and each one's id. `doc[a..b]` is sliced
    /// only for a new or an arena key; every span must be a span of `doc` (checked then,
    /// and when its key is computed).
    ///
    /// Each token's key is computed `AHEAD` tokens before it is interned, and its slot
    /// prefetched then, so that several cache misses overlap; the keys in flight wait in
    /// a small ring instead of a per-token buffer in memory. The table's address, length
    /// and shift are held in locals, reloaded only after an insertion (which may grow
    /// the table), so that the loop keeps them in registers instead of reloading them
    /// for every token.
    #[inline(always)]
    pub fn intern_spans<const LOWER: bool>(
        &mut self,
        doc: &str,
        spans: &[(usize, usize)],
        mut f: impl FnMut(&Interner, u32),
    ) {
        // How many tokens ahead a slot is prefetched: enough to overlap several misses.
        const AHEAD: usize = 16;
        if self.table.is_empty() {
            self.grow();
        }
        let (mut slots, mut shift) = (self.table.as_slice(), self.shift);
        let key_of = |&(a, b): &(usize, usize), key: &mut Key| {
            prepare_span::<LOWER>(doc.as_bytes(), a, b, key);
        };
        let prefetch = |slots: &[Slot], shift: u32, key: &Key| {
            crate::hint::prefetch(slots.as_ptr().wrapping_add((key.hash >> shift) as usize));
        };
        let mut ring = [Key::default(); AHEAD];
        for (key, span) in ring.iter_mut().zip(spans) {
            key_of(span, key);
            prefetch(slots, shift, key);
        }
        for i in 0..spans.len() {
            // Read only for a new or an arena key (not for every token in the loop).
            let text = || &doc[spans[i].0..spans[i].1];
            // Interned from its ring entry in place (no copy of the key), which then
            // takes the key `AHEAD` tokens on.
            let key = &mut ring[i % AHEAD];
            let id = match self.probe::<LOWER>(slots, shift, key, text) {
                Ok(id) => id,
                Err(vacant) => {
                    let id = self.insert::<LOWER>(vacant, text(), key);
                    (slots, shift) = (self.table.as_slice(), self.shift);
                    id
                }
            };
            if let Some(next) = spans.get(i + AHEAD) {
                key_of(next, key);
                prefetch(slots, shift, key);
            }
            f(self, id);
        }
    }

    /// Interns every string of `other` in its id order (so new strings get ids in the
    /// same order as by calling [`Interner::intern`] on each) and returns their ids here,
    /// indexed by `other`'s ids.
    ///
    /// Merging a chunk's vocabulary into a corpus-wide one probes a table much larger than
    /// the cache once per string, so each string's key is prepared and its slot prefetched
    /// some strings ahead of the probe, overlapping the misses.
    pub fn intern_all(&mut self, other: &Interner) -> Vec<u32> {
        const AHEAD: usize = 16;
        let n = other.len();
        let key_of = |id: usize| prepare(other.get(id as u32).as_bytes());
        let mut ring = [Key::default(); AHEAD];
        for (j, slot) in ring.iter_mut().enumerate().take(n) {
            *slot = key_of(j);
            self.prefetch(slot);
        }
        let mut ids = Vec::with_capacity(n);
        for j in 0..n {
            let key = ring[j % AHEAD];
            // The string is only looked at for a new or arena key.
            ids.push(self.intern_impl::<false>(|| other.get(j as u32), &key));
            if j + AHEAD < n {
                let next = &mut ring[j % AHEAD];
                *next = key_of(j + AHEAD);
                self.prefetch(next);
            }
        }
        ids
    }

    /// Stores a new key in the empty slot `i`.
    #[cold]
    #[inline(never)]
    fn insert<const LOWER: bool>(&mut self, i: usize, s: &str, key: &Key) -> u32 {
        let id = self.entries.len() as u32;
        let start = self.arena.len();
        self.arena.push_str(s);
        if LOWER {
            self.arena[start..].make_ascii_lowercase();
        }
        self.entries.push((start, self.arena.len()));
        self.table[i] = Slot {
            key: key.words,
            meta: key.meta(id),
        };
        // Keep the table at most half full, so probes stay short and always end.
        if self.entries.len() * 2 >= self.table.len() {
            self.grow();
        }
        id
    }

    /// Doubles the table and re-inserts every key in id order, its slot rebuilt from the
    /// arena. Id order walks the arena front to back, and each key's new slot is
    /// prefetched some keys ahead, so the only cache misses left (stores into a table
    /// larger than the cache) overlap. Walking the old table instead cost two dependent
    /// misses per key (its entry, then its string in the arena, to recompute the hash) on
    /// the corpus-wide interner, whose last growth to 2^19 slots stalls the merging thread.
    /// The old table is freed first, so the two are never held at once.
    fn grow(&mut self) {
        const AHEAD: usize = 16;
        let new_len = (self.table.len() * 2).max(64);
        drop(std::mem::take(&mut self.table));
        self.set_table(new_len);
        let Interner {
            table,
            shift,
            entries,
            arena,
        } = self;
        let (shift, mask, n) = (*shift, new_len - 1, entries.len());
        let key_of = |id: usize| {
            let (st, en) = entries[id];
            prepare(&arena.as_bytes()[st..en])
        };
        let home = |key: &Key| (key.hash >> shift) as usize;
        let mut ring = [Key::default(); AHEAD];
        for (id, key) in ring.iter_mut().enumerate().take(n) {
            *key = key_of(id);
            crate::hint::prefetch(table.as_ptr().wrapping_add(home(key)));
        }
        for id in 0..n {
            let key = ring[id % AHEAD];
            if id + AHEAD < n {
                let next = &mut ring[id % AHEAD];
                *next = key_of(id + AHEAD);
                crate::hint::prefetch(table.as_ptr().wrapping_add(home(next)));
            }
            let mut i = home(&key);
            while table[i].meta != 0 {
                i = (i + 1) & mask;
            }
            table[i] = Slot {
                key: key.words,
                meta: key.meta(id as u32),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_in_first_seen_order() {
        let mut it = Interner::default();
        let words: Vec<String> = (0..5000)
            .map(|i| format!("w{i}_{}", "x".repeat(i % 20)))
            .collect();
        for w in &words {
            it.intern(w);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(it.intern(w), i as u32);
            assert_eq!(it.get(i as u32), w);
        }
        assert_eq!(it.len(), 5000);
        assert_eq!(it.find("w3_xxx"), Some(3));
        assert_eq!(it.find("nope"), None);
        assert_eq!(Interner::default().find("x"), None);
        assert_eq!(it.intern(""), 5000);
        assert_eq!(it.intern(""), 5000);
        assert!(it.iter().eq(words.iter().map(String::as_str).chain([""])));
    }

    #[test]
    fn long_keys_and_padding() {
        let mut it = Interner::with_capacity(4);
        let long_a = "x".repeat(24) + "a";
        let long_b = "x".repeat(24) + "b";
        let keys = [
            "a",
            "a\0",
            "a\0\0",
            &long_a,
            &long_b,
            &"x".repeat(24),
            &"x".repeat(100),
        ];
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(it.intern(k), i as u32, "{k:?}");
        }
        // Survives growth (rehash of inline and arena keys alike).
        for i in 0..3000 {
            it.intern(&format!("filler {i} {}", "y".repeat(i % 40)));
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(it.find(k), Some(i as u32), "{k:?}");
            assert_eq!(it.get(i as u32), *k);
        }
        assert_eq!(it.find(&("x".repeat(24) + "c")), None);
    }

    /// Interning raw text ASCII-lowercased equals interning its lowercase copy: same ids,
    /// stored strings and lookups, for inline and arena keys, before and after growth.
    #[test]
    fn lowercased_interning_matches_plain() {
        let raw: Vec<String> = (0..3000)
            .map(|i| match i % 5 {
                0 => format!("W{i}"),
                1 => format!("Ab{}", "Xy".repeat(i % 30)),
                2 => format!("é{i}ÀZ_"),
                3 => "QRST".repeat(1 + i % 9),
                _ => format!("lower{i}"),
            })
            .collect();
        let (mut fused, mut plain) = (Interner::default(), Interner::default());
        for w in raw.iter().chain(raw.iter().rev()) {
            let lower = w.to_ascii_lowercase();
            let a = fused.intern_key_lower(w, &Interner::key_lower(w));
            let b = plain.intern(&lower);
            assert_eq!(a, b, "{w:?}");
            assert_eq!(fused.get(a), lower);
            assert_eq!(fused.find(&lower), Some(a));
        }
        assert!(fused.iter().eq(plain.iter()));
        assert_eq!(
            lower_word(u64::from_le_bytes(*b"AZaz@[_\xff")),
            u64::from_le_bytes(*b"azaz@[_\xff")
        );
    }

    /// Interning another interner's strings in bulk gives the ids, strings and order of
    /// interning them one by one, through table growth, for inline and arena keys.
    #[test]
    fn intern_all_matches_one_by_one() {
        let word = |i: usize| match i % 4 {
            0 => format!("k{i}"),
            1 => format!("{}{i}", "long".repeat(i % 9)),
            2 => format!("é{}", i % 50),
            _ => String::new(),
        };
        let (mut bulk, mut single) = (Interner::default(), Interner::default());
        for chunk in 0..6 {
            let mut local = Interner::default();
            for i in 0..(chunk * 700 + 3) {
                local.intern(&word(i * (chunk + 1) % 3000));
            }
            let got = bulk.intern_all(&local);
            let want: Vec<u32> = local.iter().map(|k| single.intern(k)).collect();
            assert_eq!(got, want);
        }
        assert_eq!(bulk.intern_all(&Interner::default()), Vec::<u32>::new());
        assert!(bulk.iter().eq(single.iter()));
        for (i, k) in single.iter().enumerate() {
            assert_eq!(bulk.find(k), Some(i as u32));
        }
    }

    /// A cleared interner, whatever its table size (kept, or grown for the new capacity),
    /// gives the ids and strings of a fresh one, and finds none of its old strings.
    #[test]
    fn cleared_interner_is_like_a_new_one() {
        let word = |i: usize| format!("{}{i}", "w".repeat(i % 30));
        let mut reused = Interner::default();
        for (round, (n, capacity)) in [(5000, 0), (40, 16), (3000, 8000), (0, 0), (700, 1)]
            .into_iter()
            .enumerate()
        {
            reused.clear_with_capacity(capacity);
            assert!(reused.is_empty());
            // Every round interns `word(0)` first (when it interns anything).
            assert_eq!(reused.find(&word(0)), None);
            let mut fresh = Interner::with_capacity(capacity);
            for i in 0..n {
                let w = word(i * (round + 3) % 4000);
                assert_eq!(reused.intern(&w), fresh.intern(&w));
            }
            assert!(reused.iter().eq(fresh.iter()));
        }
    }

    /// A span's key, whether packed from a window of the document or the general way
    /// (long tokens, tokens near the document's end), equals the key of the span's text,
    /// for every length and position, lowercased or not.
    #[test]
    fn span_keys_match_slice_keys() {
        let doc = "The QUICK brown fox, jumps over Élan's lazy dog; ŒUVRE αβγ 0123456789_AbC\
                   defghijklmnopqrstuvwxyz ZZ";
        let bytes = doc.as_bytes();
        let fields = |k: Key| (k.words, k.hash);
        for a in 0..=doc.len() {
            for b in a..=doc.len().min(a + 30) {
                let s = &bytes[a..b];
                assert_eq!(
                    fields(prepare_span_key::<true>(doc, a, b)),
                    fields(Interner::key_lower_bytes(s)),
                    "{a}..{b}"
                );
                assert_eq!(
                    fields(prepare_span_key::<false>(doc, a, b)),
                    fields(prepare(s)),
                    "{a}..{b}"
                );
            }
        }
    }

    /// [`prepare_span`] as a function returning the key.
    fn prepare_span_key<const LOWER: bool>(doc: &str, a: usize, b: usize) -> Key {
        let mut key = Key::default();
        prepare_span::<LOWER>(doc.as_bytes(), a, b, &mut key);
        key
    }

    /// Interning a document's spans in bulk gives the ids and strings of interning each
    /// span's text one by one (lowercased or not), through table growth, for inline and
    /// arena keys, new and repeated.
    #[test]
    fn intern_spans_matches_one_by_one() {
        let doc: String = (0..4000)
            .map(|i| match i % 5 {
                0 => format!("Word{} ", i % 700),
                1 => format!("{} ", "LongToken".repeat(1 + i % 4)),
                2 => format!("é{}, ", i % 90),
                3 => "a ".to_string(),
                _ => format!("x{i}. "),
            })
            .collect();
        let mut spans = Vec::new();
        let mut start = 0;
        for (i, c) in doc.char_indices() {
            if c == ' ' {
                spans.push((start, i));
                start = i + 1;
            }
        }
        for lower in [false, true] {
            let (mut bulk, mut single) = (Interner::default(), Interner::default());
            let mut got = Vec::new();
            if lower {
                bulk.intern_spans::<true>(&doc, &spans, |_, id| got.push(id));
            } else {
                bulk.intern_spans::<false>(&doc, &spans, |_, id| got.push(id));
            }
            let want: Vec<u32> = spans
                .iter()
                .map(|&(a, b)| match lower {
                    true => single.intern(&doc[a..b].to_ascii_lowercase()),
                    false => single.intern(&doc[a..b]),
                })
                .collect();
            assert_eq!(got, want);
            assert!(bulk.iter().eq(single.iter()));
        }
    }

    #[test]
    fn equality_helper() {
        assert!(eq_bytes(b"abcdefghij", b"abcdefghij"));
        assert!(!eq_bytes(b"abcdefghij", b"abcdefghik"));
        assert!(!eq_bytes(b"abcdefgh", b"abcdefgi"));
        assert!(!eq_bytes(b"abc", b"abcd"));
        assert!(eq_bytes(b"", b""));
    }
}
