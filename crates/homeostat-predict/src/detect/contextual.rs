//! A contextual anomaly detector after the description of CAD OSE
//! (Smirnov and Fedorov's "Contextual Anomaly Detector, Open Source
//! Edition", a NAB entry): each value is quantised to a few bits, every bit
//! becomes a *fact*, and the detector remembers *contexts*: "after these
//! facts (the previous value's facts and the contexts that were then
//! active), these facts follow". A value is surprising when few of the
//! contexts its past selects are confirmed by it, and when it forces many
//! new contexts into memory.
//!
//! Differences from the published detector, all because a streaming
//! detector sees neither the whole file nor its length: the quantisation
//! range is the running minimum and maximum (NAB hands its detectors the
//! file's range in advance), and the rest period after an alarm is a fixed
//! number of values (NAB's entry takes 3 % of the file's length).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use homeostat_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::Detector;
use crate::{Error, Result};

/// Facts at or above this base name active contexts ("neurons"); below it,
/// sensor facts `2 · bit + value`.
const NEURON_BASE: u32 = 1 << 31;

/// Most facts a group holds (sensor facts plus active contexts): one bit
/// each in a crossing's marks.
const MAX_GROUP: usize = 64;

/// Parameters of [`Contextual`]. Deserialising checks them as
/// [`build`](ContextualParams::build) does, so a saved detector with
/// parameters out of range is refused with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ParamFields")]
pub struct ContextualParams {
    bits: u32,
    max_left: usize,
    max_active: usize,
    base_threshold: f64,
    rest: usize,
    max_contexts: usize,
    range: Option<(f64, f64)>,
    headroom: f64,
}

/// [`ContextualParams`] as read, before the checks.
#[derive(Deserialize)]
struct ParamFields {
    bits: u32,
    max_left: usize,
    max_active: usize,
    base_threshold: f64,
    rest: usize,
    max_contexts: usize,
    range: Option<(f64, f64)>,
    headroom: f64,
}

impl TryFrom<ParamFields> for ContextualParams {
    type Error = Error;

    fn try_from(f: ParamFields) -> Result<Self> {
        let params = ContextualParams {
            bits: f.bits,
            max_left: f.max_left,
            max_active: f.max_active,
            base_threshold: f.base_threshold,
            rest: f.rest,
            max_contexts: f.max_contexts,
            range: f.range,
            headroom: f.headroom,
        };
        params.check()?;
        Ok(params)
    }
}

impl ContextualParams {
    /// Bits of the quantised value (default 3, so 8 levels; 1 to 16).
    pub fn bits(mut self, bits: u32) -> Self {
        self.bits = bits;
        self
    }

    /// Longest left part (in matched facts) of a context learnt by crossing
    /// two contexts (default 7, at least 1).
    pub fn max_left(mut self, max_left: usize) -> Self {
        self.max_left = max_left;
        self
    }

    /// Active contexts carried into the next value's facts (default 15; at
    /// most `64 − bits`, so that a group, the value's `bits` facts and these,
    /// fits one 64-bit word of positions).
    pub fn max_active(mut self, max_active: usize) -> Self {
        self.max_active = max_active;
        self
    }

    /// A raw score at or above this starts a rest period (default 0.75, in
    /// `(0, 1]`).
    pub fn base_threshold(mut self, base_threshold: f64) -> Self {
        self.base_threshold = base_threshold;
        self
    }

    /// Values scored 0 after a raw score reached the base threshold, and at
    /// the start (default 150, NAB's rest period for a file of 5000 rows or
    /// more; at least 1).
    pub fn rest(mut self, rest: usize) -> Self {
        self.rest = rest;
        self
    }

    /// Contexts kept in memory; once full, nothing new is learnt (default
    /// 1 000 000, at least 1), which bounds memory on an endless stream.
    pub fn max_contexts(mut self, max_contexts: usize) -> Self {
        self.max_contexts = max_contexts;
        self
    }

    /// The values' expected range, when known (a percentage: `(0, 100)`);
    /// values outside it still widen it. Default: none, the range is the
    /// running minimum and maximum.
    pub fn range(mut self, lo: f64, hi: f64) -> Self {
        self.range = Some((lo, hi));
        self
    }

    /// When a value falls outside the quantisation range, the range grows
    /// to include it plus this fraction of its new width on that side
    /// (default 0, at least 0: the running minimum and maximum
    /// exactly). Room beyond the values seen so far keeps one new extreme
    /// from re-quantising everything after it (0.5 and 1 did no better on
    /// nab-dev, see docs/forecast.md).
    pub fn headroom(mut self, headroom: f64) -> Self {
        self.headroom = headroom;
        self
    }

    /// Checks the parameters and builds the detector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    pub fn build(self) -> Result<Contextual> {
        self.check()?;
        let (min, max) = self.range.unwrap_or((f64::INFINITY, f64::NEG_INFINITY));
        Ok(Contextual {
            memory: Memory::default(),
            left_group: Vec::new(),
            full_left: Vec::new(),
            lefts: Vec::new(),
            active: Vec::new(),
            ranked: Vec::new(),
            spare_group: Vec::new(),
            recall: Recall::default(),
            min,
            max,
            since_alarm: 0,
            params: self,
        })
    }

    /// [`Error::InvalidParameter`] naming the first parameter out of range.
    fn check(&self) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if !(1..=16).contains(&self.bits) {
            return bad("bits", format!("{} is not in 1..=16", self.bits));
        }
        if self.max_left == 0 {
            return bad("max_left", "0 facts".into());
        }
        let most = MAX_GROUP - self.bits as usize;
        if self.max_active > most {
            return bad(
                "max_active",
                format!(
                    "{} is above {most} (64 facts a group, less {} bits)",
                    self.max_active, self.bits
                ),
            );
        }
        if !(self.base_threshold > 0.0 && self.base_threshold <= 1.0) {
            return bad(
                "base_threshold",
                format!("{} is not in (0, 1]", self.base_threshold),
            );
        }
        if !(self.headroom >= 0.0 && self.headroom.is_finite()) {
            return bad(
                "headroom",
                format!("{} is not a finite value ≥ 0", self.headroom),
            );
        }
        if self.rest == 0 {
            return bad("rest", "0 values".into());
        }
        if self.max_contexts == 0 {
            return bad("max_contexts", "0 contexts".into());
        }
        match self.range {
            Some((lo, hi)) if !(lo.is_finite() && hi.is_finite() && lo <= hi) => {
                bad("range", format!("({lo}, {hi}) is not a finite range"))
            }
            _ => Ok(()),
        }
    }
}

/// Reads a number, or `null` as +∞ (`POSITIVE`) or −∞: serde_json writes
/// infinities as `null`.
fn null_is<'de, const POSITIVE: bool, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<f64, D::Error> {
    let infinity = if POSITIVE {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    };
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(infinity))
}

/// One side (left or right) of a context: a set of facts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Semi {
    facts: Vec<u32>,
    /// (Right semi-context id, context id), sorted by right id (left side
    /// only); a flat vector walks faster than a tree, and is stored as the
    /// map it stands for.
    #[serde(with = "as_map")]
    contexts: Vec<(u32, u32)>,
    /// The zero-level ones of `contexts`, in the same order: the only ones
    /// a partly matched left semi-context can cross. Rebuilt by
    /// [`Memory::index_zero_level`] after deserialisation.
    #[serde(skip)]
    zero_level: Vec<(u32, u32)>,
}

/// Serialises sorted `(key, value)` pairs as a map, so the state's format
/// does not depend on how the pairs are held.
mod as_map {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(pairs: &[(u32, u32)], s: S) -> Result<S::Ok, S::Error> {
        pairs
            .iter()
            .copied()
            .collect::<BTreeMap<u32, u32>>()
            .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(u32, u32)>, D::Error> {
        Ok(BTreeMap::<u32, u32>::deserialize(d)?.into_iter().collect())
    }
}

/// All semi-contexts of one side, indexed by fact.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Side {
    semis: Vec<Semi>,
    /// Fact → semi-contexts holding it, in id order (right side only: the
    /// left side crosses through `zero_level_by_fact`, and finds its fully
    /// matched semi-contexts through `by_last`).
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    by_fact: HashMap<u32, Vec<u32>>,
    /// Scratch: semi-contexts sharing a fact with the latest crossing (on
    /// the left side, only those with a zero-level context), in id order.
    #[serde(skip)]
    crossed: Vec<u32>,
    /// Scratch: which of the latest crossing's facts (at most 64) each
    /// semi-context (by id) holds, one bit per position. One word per
    /// semi-context, where a list of the matched facts would touch two
    /// lines of memory per match.
    #[serde(skip)]
    matched: Vec<u64>,
    /// Scratch: how many facts each semi-context (by id) matched, counted
    /// once per crossing, as a context walk reads them many times.
    #[serde(skip)]
    counts: Vec<u8>,
    /// Facts → id; rebuilt from `semis` after deserialisation.
    #[serde(skip)]
    by_facts: HashMap<Vec<u32>, u32>,
    /// Largest fact → semi-contexts ending with it, in id order: a set of
    /// facts holds a semi-context only if it holds that fact, so this finds
    /// the fully matched ones without crossing every semi-context that
    /// shares a (common) sensor fact. Each id comes with its facts'
    /// [`signature`]. Rebuilt with `by_facts`.
    #[serde(skip)]
    by_last: HashMap<u32, Vec<(u32, u128)>>,
    /// Scratch: the group [`Side::contained_in`] is looking up, by bit.
    #[serde(skip)]
    members: FactSet,
    /// Fact → the semi-contexts holding it that have a zero-level context
    /// (left side only; not in id order, as an old semi-context can gain
    /// its first one late): the only partly matched ones a learning step
    /// crosses. Rebuilt by [`Memory::index_zero_level`].
    #[serde(skip)]
    zero_level_by_fact: HashMap<u32, Vec<u32>>,
}

/// A set of facts as bits: sensor facts (below 32, as `bits` ≤ 16) in one
/// word, neurons in a bitmap over context ids. Testing a fact is one bit,
/// where a scan of the group compares it with every member.
#[derive(Debug, Clone, Default)]
struct FactSet {
    sensors: u64,
    neurons: Vec<u64>,
}

impl FactSet {
    /// Word and bit of a neuron fact.
    fn neuron(f: u32) -> (usize, u64) {
        let c = (f - NEURON_BASE) as usize;
        (c / 64, 1 << (c % 64))
    }

    fn insert(&mut self, f: u32) {
        if f < NEURON_BASE {
            self.sensors |= 1 << (f % 64);
        } else {
            let (w, bit) = Self::neuron(f);
            if w >= self.neurons.len() {
                self.neurons.resize(w + 1, 0);
            }
            self.neurons[w] |= bit;
        }
    }

    fn contains(&self, f: u32) -> bool {
        if f < NEURON_BASE {
            // Only sensor facts below 64 exist (see the type's doc).
            f < 64 && self.sensors & 1 << f != 0
        } else {
            let (w, bit) = Self::neuron(f);
            self.neurons.get(w).is_some_and(|&word| word & bit != 0)
        }
    }

    /// Empties the set, which holds at most `facts`.
    fn clear(&mut self, facts: &[u32]) {
        self.sensors = 0;
        for &f in facts {
            if f >= NEURON_BASE {
                let (w, _) = Self::neuron(f);
                if let Some(word) = self.neurons.get_mut(w) {
                    *word = 0;
                }
            }
        }
    }
}

/// Which side a [`Side`] is: each keeps the index of facts it looks up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Keeps `by_last`.
    Left,
    /// Keeps `by_fact`.
    Right,
}

impl Side {
    /// Rebuilds the skipped indexes after deserialisation.
    fn index(&mut self, role: Role) {
        if self.by_facts.len() != self.semis.len() {
            self.by_facts = self
                .semis
                .iter()
                .enumerate()
                .map(|(i, s)| (s.facts.clone(), i as u32))
                .collect();
            self.by_last.clear();
            if role == Role::Left {
                // (A state saved before the left side stopped keeping it.)
                self.by_fact = HashMap::default();
                for (i, s) in self.semis.iter().enumerate() {
                    if let Some(&f) = s.facts.last() {
                        let entry = (i as u32, signature(&s.facts));
                        self.by_last.entry(f).or_default().push(entry);
                    }
                }
            }
        }
    }

    /// Pushes onto `out` the ids below `below` of the semi-contexts whose
    /// facts all are in `facts` (sorted), each once, grouped by their
    /// largest fact (not in id order: the step that reads them counts and
    /// collects, and what it collects is sorted or selected by key).
    fn contained_in(&mut self, facts: &[u32], below: u32, out: &mut Vec<u32>) {
        self.index(Role::Left);
        out.clear();
        let outside = !signature(facts);
        for &f in facts {
            self.members.insert(f);
        }
        for f in facts {
            for &(id, sig) in self.by_last.get(f).map(Vec::as_slice).unwrap_or_default() {
                if id >= below {
                    break;
                }
                // A fact whose bit `facts` lacks is not in `facts`: most
                // candidates end here, without reading their facts.
                if sig & outside != 0 {
                    continue;
                }
                let own = &self.semis[id as usize].facts;
                if own.iter().all(|&g| self.members.contains(g)) {
                    out.push(id);
                }
            }
        }
        self.members.clear(facts);
    }

    /// The id of the semi-context of `facts` (sorted), made if absent.
    fn get_or_insert(&mut self, facts: &[u32], role: Role) -> u32 {
        self.index(role);
        if let Some(&id) = self.by_facts.get(facts) {
            return id;
        }
        let id = self.semis.len() as u32;
        self.semis.push(Semi {
            facts: facts.to_vec(),
            ..Semi::default()
        });
        match (role, facts.last()) {
            (Role::Left, Some(&f)) => {
                let entry = (id, signature(facts));
                self.by_last.entry(f).or_default().push(entry);
            }
            (Role::Left, None) => {}
            (Role::Right, _) => {
                for f in facts {
                    self.by_fact.entry(*f).or_default().push(id);
                }
            }
        }
        self.by_facts.insert(facts.to_vec(), id);
        id
    }

    /// Intersects the semi-contexts below id `below` with `facts` (sorted,
    /// at most 64): marks into `matched`, lists into `crossed`. On the
    /// right side every semi-context, on the left side only those with a
    /// zero-level context.
    fn cross(&mut self, facts: &[u32], below: u32, role: Role) {
        debug_assert!(facts.len() <= MAX_GROUP, "{} facts", facts.len());
        let Side {
            semis,
            by_fact,
            zero_level_by_fact,
            crossed,
            matched,
            counts,
            ..
        } = self;
        let lists = match role {
            Role::Left => zero_level_by_fact,
            Role::Right => by_fact,
        };
        for &id in crossed.iter() {
            matched[id as usize] = 0;
            counts[id as usize] = 0;
        }
        matched.resize(semis.len(), 0);
        counts.resize(semis.len(), 0);
        crossed.clear();
        for (at, f) in facts.iter().enumerate() {
            for &id in lists.get(f).map(Vec::as_slice).unwrap_or_default() {
                if id >= below {
                    if role == Role::Left {
                        // Not in id order: an old semi-context can gain a
                        // zero-level context late.
                        continue;
                    }
                    // Ids grow along each list.
                    break;
                }
                let mask = &mut matched[id as usize];
                if *mask == 0 {
                    crossed.push(id);
                }
                *mask |= 1 << at;
            }
        }
        // Usually most semi-contexts share a (sensor) fact: one pass over
        // them then puts the crossed ones in id order faster than sorting.
        let n = semis.len().min(below as usize);
        if crossed.len() > n / 8 {
            crossed.clear();
            crossed.extend((0..n as u32).filter(|&i| matched[i as usize] != 0));
        } else {
            crossed.sort_unstable();
        }
        for &id in crossed.iter() {
            counts[id as usize] = matched[id as usize].count_ones() as u8;
        }
    }

    /// How many facts of semi-context `id` the latest crossing matched.
    fn matched_count(&self, id: u32) -> usize {
        usize::from(self.counts[id as usize])
    }

    /// Into `out`: the facts of semi-context `id` the latest crossing, of
    /// `facts`, matched (sorted, as `facts` is).
    fn matched_part(&self, id: u32, facts: &[u32], out: &mut Vec<u32>) {
        out.clear();
        let mut mask = self.matched[id as usize];
        while mask != 0 {
            out.push(facts[mask.trailing_zeros() as usize]);
            mask &= mask - 1;
        }
    }
}

/// The union of `partly` and `fully` (both in increasing order, `fully`
/// holding no duplicates) into `out`, in increasing order, each id once
/// and flagged whether it is in `fully`.
fn merge_flagged(partly: &[u32], fully: &[u32], out: &mut Vec<(u32, bool)>) {
    let (mut i, mut j) = (0, 0);
    while i < partly.len() || j < fully.len() {
        match (partly.get(i), fully.get(j)) {
            (Some(&p), Some(&f)) if p < f => {
                out.push((p, false));
                i += 1;
            }
            (Some(&p), Some(&f)) => {
                out.push((f, true));
                i += usize::from(p == f);
                j += 1;
            }
            (Some(&p), None) => {
                out.push((p, false));
                i += 1;
            }
            (None, Some(&f)) => {
                out.push((f, true));
                j += 1;
            }
            (None, None) => break,
        }
    }
}

/// One bit (of 128) per fact, set for each of `facts`: a set of facts is
/// contained in another only if its signature is.
fn signature(facts: &[u32]) -> u128 {
    facts.iter().fold(0, |sig, &f| {
        // Fibonacci hashing: the top 7 bits of the product spread both the
        // small sensor facts and consecutive context ids.
        sig | 1u128 << (f.wrapping_mul(0x9e37_79b9) >> 25)
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Context {
    /// Times the context was confirmed.
    hits: u64,
    /// Learnt directly from two consecutive inputs (not by crossing).
    zero_level: bool,
    left: u32,
    right: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Memory {
    left: Side,
    right: Side,
    contexts: Vec<Context>,
    /// Whether the left semi-contexts' zero-level lists are built (false
    /// after deserialisation, which skips them).
    #[serde(skip)]
    zero_level_indexed: bool,
}

impl Memory {
    /// Builds the left semi-contexts' lists of zero-level contexts, unless
    /// they are built.
    fn index_zero_level(&mut self) {
        if self.zero_level_indexed {
            return;
        }
        for semi in &mut self.left.semis {
            semi.zero_level.clear();
        }
        for (c, ctx) in self.contexts.iter().enumerate() {
            if ctx.zero_level {
                let semi = &mut self.left.semis[ctx.left as usize];
                semi.zero_level.push((ctx.right, c as u32));
            }
        }
        self.left.zero_level_by_fact.clear();
        for (l, semi) in self.left.semis.iter_mut().enumerate() {
            semi.zero_level.sort_unstable();
            if !semi.zero_level.is_empty() {
                for &f in &semi.facts {
                    let list = self.left.zero_level_by_fact.entry(f).or_default();
                    list.push(l as u32);
                }
            }
        }
        self.zero_level_indexed = true;
    }

    /// Marks context `c` zero-level, listing it with its left semi-context.
    fn mark_zero_level(&mut self, c: u32) {
        let ctx = &mut self.contexts[c as usize];
        if !ctx.zero_level {
            ctx.zero_level = true;
            let semi = &mut self.left.semis[ctx.left as usize];
            if semi.zero_level.is_empty() {
                for &f in &semi.facts {
                    let list = self.left.zero_level_by_fact.entry(f).or_default();
                    list.push(ctx.left);
                }
            }
            let list = &mut semi.zero_level;
            let at = list.partition_point(|&(r, _)| r < ctx.right);
            list.insert(at, (ctx.right, c));
        }
    }

    /// The context `left → right`, created if absent and there is room:
    /// the ids of its semi-contexts (made even when memory is full), and
    /// `Some((id, created))`, or `None` when memory is full.
    fn get_or_create(
        &mut self,
        left: &[u32],
        right: &[u32],
        zero_level: bool,
        max_contexts: usize,
    ) -> ((u32, u32), Option<(u32, bool)>) {
        let l = self.left.get_or_insert(left, Role::Left);
        let r = self.right.get_or_insert(right, Role::Right);
        ((l, r), self.link(l, r, zero_level, max_contexts))
    }

    /// The context between semi-contexts `l` and `r`, created if absent and
    /// there is room: `Some((id, created))`, or `None` when memory is full.
    fn link(
        &mut self,
        l: u32,
        r: u32,
        zero_level: bool,
        max_contexts: usize,
    ) -> Option<(u32, bool)> {
        self.index_zero_level();
        let at = self.left.semis[l as usize]
            .contexts
            .binary_search_by_key(&r, |&(r, _)| r);
        if let Ok(i) = at {
            let c = self.left.semis[l as usize].contexts[i].1;
            if zero_level {
                self.mark_zero_level(c);
            }
            return Some((c, false));
        }
        if self.contexts.len() >= max_contexts {
            return None;
        }
        let c = self.contexts.len() as u32;
        let at = at.unwrap_or_else(|i| i);
        self.left.semis[l as usize].contexts.insert(at, (r, c));
        self.contexts.push(Context {
            hits: 0,
            zero_level: false,
            left: l,
            right: r,
        });
        if zero_level {
            self.mark_zero_level(c);
        }
        Some((c, true))
    }
}

/// What shapes a step that learns nothing: the sizes of memory, and the
/// left semi-contexts known before the step (those made during it are not
/// matched). A step's outcome depends only on memory's structure, the
/// previous group and the value's facts; the structure changes only by
/// growing, so equal sizes mean an equal structure. (A context can become
/// zero-level without any size changing, but only a learning step, never
/// recalled, reads that.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Shape {
    known_left: u32,
    left: usize,
    right: usize,
    contexts: usize,
}

/// The outcome of a step that learnt nothing: how many contexts were
/// selected and which were confirmed (each gains a hit again when the step
/// recurs).
#[derive(Debug, Clone)]
struct Recalled {
    selected: usize,
    active: Vec<u32>,
}

/// Most entries [`Recall`] holds before it starts over.
const RECALL_CAP: usize = 4096;

/// Most ids (facts of the keys and confirmed contexts, tens to hundreds an
/// entry) [`Recall`] holds before it starts over: 1 MiB of them.
const RECALL_IDS: usize = 1 << 18;

/// Outcomes of steps that learnt nothing, by previous group and value's
/// facts, while memory's [`Shape`] stays the same. Once a series' patterns
/// are learnt, most steps repeat one seen before; recalling its outcome
/// skips matching the memory.
#[derive(Debug, Clone, Default)]
struct Recall {
    shape: Shape,
    steps: HashMap<Vec<u32>, Recalled>,
    /// Ids held by `steps`, keys and confirmed contexts.
    ids: usize,
    /// Scratch: the key being looked up (the group, then the value's
    /// facts, whose count is fixed).
    key: Vec<u32>,
    /// Steps recalled so far (for the tests).
    #[cfg(test)]
    recalled: usize,
}

impl Recall {
    /// The outcome of the step from `group` on `sens`, if kept; leaves
    /// its key in `key` for [`Recall::insert`].
    fn get(&mut self, shape: Shape, group: &[u32], sens: &[u32]) -> Option<&Recalled> {
        self.key.clear();
        self.key.extend_from_slice(group);
        self.key.extend_from_slice(sens);
        if shape != self.shape {
            self.start_over(shape);
            return None;
        }
        let step = self.steps.get(self.key.as_slice());
        #[cfg(test)]
        {
            self.recalled += usize::from(step.is_some());
        }
        step
    }

    /// Stores the outcome of the step [`Recall::get`] just missed, under
    /// the key it left (and the shape it took).
    fn insert(&mut self, step: Recalled) {
        let ids = self.key.len() + step.active.len();
        if self.steps.len() >= RECALL_CAP || self.ids + ids > RECALL_IDS {
            self.start_over(self.shape);
        }
        self.ids += ids;
        self.steps.insert(self.key.clone(), step);
    }

    fn start_over(&mut self, shape: Shape) {
        self.steps.clear();
        self.ids = 0;
        self.shape = shape;
    }
}

/// Contextual anomaly detector; cost per value grows with the contexts the
/// value's facts select (tens to thousands on NAB's series), memory with the
/// distinct contexts seen (capped by
/// [`max_contexts`](ContextualParams::max_contexts)).
///
/// The score is `(1 − confirmed share + new-context share) / 2`, or 1 for a
/// value at least one quantisation level beyond the range seen so far; it is
/// reported
/// only outside rest periods: after a raw score at or above the base
/// threshold, the next [`rest`](ContextualParams::rest) values score 0, so
/// an episode raises one alarm, at its start.
///
/// ```
/// use homeostat_core::Timestamp;
/// use homeostat_predict::detect::{Contextual, Detector};
/// let mut d = Contextual::params().build()?;
/// let t = Timestamp::from_secs(0);
/// let before = (0..3000).map(|i| d.update(t, (i % 10) as f64)).fold(0.0, f64::max);
/// assert!(d.update(t, 2.5) > before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contextual {
    params: ContextualParams,
    memory: Memory,
    /// The previous value's facts and active contexts, sorted.
    left_group: Vec<u32>,
    /// Scratch: the left semi-contexts fully matched by `left_group`.
    #[serde(skip)]
    full_left: Vec<u32>,
    /// Scratch: the left semi-contexts a step walks, with whether each is
    /// fully matched.
    #[serde(skip)]
    lefts: Vec<(u32, bool)>,
    /// Scratch: the contexts confirmed by the latest value.
    #[serde(skip)]
    active: Vec<u32>,
    /// Scratch: the active contexts with their ranking keys.
    #[serde(skip)]
    ranked: Vec<(u128, u32)>,
    /// Scratch: the next value's group is built here (the buffer of the
    /// group before last, reused).
    #[serde(skip)]
    spare_group: Vec<u32>,
    /// Scratch: outcomes of recent steps that learnt nothing.
    #[serde(skip)]
    recall: Recall,
    /// Running minimum and maximum: +∞ and −∞ before the first value,
    /// which JSON writes as `null`.
    #[serde(deserialize_with = "null_is::<true, _>")]
    min: f64,
    #[serde(deserialize_with = "null_is::<false, _>")]
    max: f64,
    /// Values since the last raw score at or above the base threshold
    /// (0: the start counts as an alarm).
    since_alarm: usize,
}

impl Contextual {
    /// Default parameters (NAB's CAD OSE entry's, but the rest period).
    pub fn params() -> ContextualParams {
        ContextualParams {
            bits: 3,
            max_left: 7,
            max_active: 15,
            base_threshold: 0.75,
            rest: 150,
            max_contexts: 1_000_000,
            range: None,
            headroom: 0.0,
        }
    }

    /// The parameters this detector was built with.
    pub(super) fn configured(&self) -> &ContextualParams {
        &self.params
    }

    /// Sensor facts of `x`: one per bit of its level in the running range.
    fn facts(&self, x: f64) -> Vec<u32> {
        let top = (1u32 << self.params.bits) - 1;
        let range = self.max - self.min;
        let level = if range > 0.0 {
            ((x - self.min) / range * f64::from(top)).clamp(0.0, f64::from(top)) as u32
        } else {
            0
        };
        (0..self.params.bits)
            .map(|b| 2 * b + ((level >> b) & 1))
            .collect()
    }

    /// One step of the context memory: the confirmed share of the selected
    /// contexts and the new share of the candidate contexts.
    fn step(&mut self, sens: &[u32]) -> (f64, f64) {
        let cap = self.params.max_contexts;
        let mem = &mut self.memory;
        // Left semi-contexts made from here on were not there when the
        // previous value's group was formed: none of them is matched.
        let known_left = mem.left.semis.len() as u32;
        // The context "previous facts → these facts", learnt directly.
        let (direct, new_zero) = match self.left_group.is_empty() {
            true => (None, None),
            false => match mem.get_or_create(&self.left_group, sens, true, cap) {
                (sides, Some((c, true))) => (Some(sides), Some(c)),
                (sides, _) => (Some(sides), None),
            },
        };
        let learning = new_zero.is_some();
        let shape = Shape {
            known_left,
            left: mem.left.semis.len(),
            right: mem.right.semis.len(),
            contexts: mem.contexts.len(),
        };
        let recalled = match learning {
            true => None,
            false => self.recall.get(shape, &self.left_group, sens),
        };
        let (selected, pairs) = match recalled {
            Some(step) => {
                self.active.clear();
                self.active.extend_from_slice(&step.active);
                for &c in &self.active {
                    mem.contexts[c as usize].hits += 1;
                }
                (step.selected, Vec::new())
            }
            None => {
                let (selected, pairs) = self.confirm(sens, known_left, new_zero);
                if !learning {
                    let step = Recalled {
                        selected,
                        active: self.active.clone(),
                    };
                    self.recall.insert(step);
                }
                (selected, pairs)
            }
        };
        let mem = &mut self.memory;
        let confirmed = if selected > 0 {
            self.active.len() as f64 / selected as f64
        } else {
            0.0
        };
        // The most confirmed active contexts join the next value's facts.
        // Only which ones matters (the group is sorted below), and the keys
        // are distinct (a context is its pair of sides), so a selection
        // keeps exactly the set a full sort would. The keys are read once
        // into `ranked`, so the selection compares in place.
        let ranked = &mut self.ranked;
        ranked.clear();
        ranked.extend(self.active.iter().map(|&c| {
            let ctx = &mem.contexts[c as usize];
            let key =
                u128::from(ctx.hits) << 64 | u128::from(ctx.left) << 32 | u128::from(ctx.right);
            (key, c)
        }));
        let keep = ranked.len().saturating_sub(self.params.max_active);
        // (With `max_active` 0 nothing is kept and there is nothing to
        // select: `keep` is then the length, past the last index.)
        if keep > 0 && keep < ranked.len() {
            ranked.select_nth_unstable_by_key(keep, |&(key, _)| key);
        }
        let mut group = std::mem::take(&mut self.spare_group);
        group.clear();
        group.extend_from_slice(sens);
        group.extend(ranked[keep..].iter().map(|&(_, c)| NEURON_BASE + c));
        group.sort_unstable();
        group.dedup();
        let previous = std::mem::replace(&mut self.left_group, group);
        let mut created = usize::from(learning);
        // Candidates are distinct by their pair of sides, and a side's facts
        // name one semi-context id: the ids count them. Crossings exist only
        // while learning, and then so does the direct candidate (the group
        // this step started from): the count is at least 1.
        let mut distinct: HashSet<(u32, u32)> = direct.into_iter().collect();
        // The semi-contexts of each crossing's matched parts: a left one's
        // pairs come together, and a right one recurs with many left ones,
        // so each part is looked up once. (Semi-contexts are made in the
        // same order as looking up every pair's parts would.)
        let mut part = Vec::new();
        let mut left_part: Option<(u32, u32)> = None;
        let mut right_parts: HashMap<u32, u32> = HashMap::default();
        for &(l, r) in &pairs {
            let left_id = match left_part {
                Some((crossed, id)) if crossed == l => id,
                _ => {
                    // The left side crossed the group this step started
                    // from, the right one the value's facts.
                    mem.left.matched_part(l, &previous, &mut part);
                    let id = mem.left.get_or_insert(&part, Role::Left);
                    left_part = Some((l, id));
                    id
                }
            };
            let right_id = match right_parts.get(&r) {
                Some(&id) => id,
                None => {
                    mem.right.matched_part(r, sens, &mut part);
                    let id = mem.right.get_or_insert(&part, Role::Right);
                    right_parts.insert(r, id);
                    id
                }
            };
            distinct.insert((left_id, right_id));
            if let Some((_, true)) = mem.link(left_id, right_id, false, cap) {
                created += 1;
            }
        }
        let added = if learning {
            created as f64 / distinct.len().max(1) as f64
        } else {
            0.0
        };
        self.spare_group = previous;
        (confirmed, added)
    }

    /// Matches the memory against the previous group and `sens`: confirms
    /// (and counts a hit for) each selected context the value completes,
    /// into `active`. Returns the number selected and, while learning
    /// (`new_zero`, the context just learnt directly, is `Some`), the
    /// semi-context pairs to cross, in first-seen order (the order fixes
    /// the new contexts' ids); distinct, as each left id comes once and
    /// each right id once per left one.
    fn confirm(
        &mut self,
        sens: &[u32],
        known_left: u32,
        new_zero: Option<u32>,
    ) -> (usize, Vec<(u32, u32)>) {
        let learning = new_zero.is_some();
        let mem = &mut self.memory;
        mem.right.cross(sens, u32::MAX, Role::Right);
        // The fully matched left semi-contexts are found through their
        // largest fact. Only while learning do partly matched ones count,
        // as sources of crossings through a zero-level context: those with
        // one are crossed with the group. Both in id order, each once, with
        // whether it is fully matched.
        mem.left
            .contained_in(&self.left_group, known_left, &mut self.full_left);
        let lefts = &mut self.lefts;
        lefts.clear();
        if learning {
            mem.left.cross(&self.left_group, known_left, Role::Left);
            self.full_left.sort_unstable();
            merge_flagged(&mem.left.crossed, &self.full_left, lefts);
        } else {
            lefts.extend(self.full_left.iter().map(|&l| (l, true)));
        }
        let active = &mut self.active;
        active.clear();
        let mut selected = 0usize;
        let mut pairs = Vec::new();
        let Memory {
            left,
            right,
            contexts,
            ..
        } = mem;
        for &(l, full) in lefts.iter() {
            let ls = &left.semis[l as usize];
            let matched = match full {
                true => ls.facts.len(),
                false => left.matched_count(l),
            };
            let short = matched <= self.params.max_left;
            if !(full || (learning && short)) {
                // Neither selected nor a source of crossings.
                continue;
            }
            if !full {
                // Partly matched, while learning: a source of crossings
                // only, through zero-level contexts half confirmed.
                for &(r, c) in &ls.zero_level {
                    if Some(c) != new_zero && right.matched_count(r) != 0 {
                        pairs.push((l, r));
                    }
                }
                continue;
            }
            for &(r, c) in &ls.contexts {
                if Some(c) == new_zero {
                    continue;
                }
                selected += 1;
                let rs = &right.semis[r as usize];
                let ctx = &mut contexts[c as usize];
                let matched = right.matched_count(r);
                let partly = matched != 0;
                if partly && matched == rs.facts.len() {
                    ctx.hits += 1;
                    active.push(c);
                    continue;
                }
                // A zero-level context half confirmed: learn the part that
                // held (only while the input is teaching something new).
                if partly && ctx.zero_level && learning && short {
                    pairs.push((l, r));
                }
            }
        }
        (selected, pairs)
    }

    /// The raw score of `x` before the rest period applies; learns `x`.
    pub(super) fn raw(&mut self, x: f64) -> f64 {
        // A value at least one quantisation step beyond everything seen is
        // a level never seen before, whatever its context (re-quantising
        // with the widened range would hide that).
        let step = (self.max - self.min) / f64::from((1u32 << self.params.bits) - 1);
        let unseen = step > 0.0 && (x - self.max).max(self.min - x) >= step;
        if x < self.min || x > self.max {
            let lo = self.min.min(x);
            let hi = self.max.max(x);
            let room = match self.params.headroom {
                0.0 => 0.0,
                share => share * (hi - lo),
            };
            // The bounds stay finite (room can overflow), so a saved state
            // writes `null` only for the empty range before the first value.
            self.min = if x < self.min {
                (lo - room).max(-f64::MAX)
            } else {
                lo
            };
            self.max = if x > self.max {
                (hi + room).min(f64::MAX)
            } else {
                hi
            };
        }
        let sens = self.facts(x);
        let (confirmed, added) = self.step(&sens);
        if unseen {
            1.0
        } else if self.max > self.min {
            (1.0 - confirmed + added) / 2.0
        } else {
            // A series that never varied has nothing to be surprised by.
            0.0
        }
    }
}

impl Detector for Contextual {
    fn update(&mut self, _t: Timestamp, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        let raw = self.raw(x);
        let resting = self.since_alarm < self.params.rest;
        if raw >= self.params.base_threshold {
            self.since_alarm = 0;
        } else {
            self.since_alarm = self.since_alarm.saturating_add(1);
        }
        if resting { 0.0 } else { raw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Feeds 2000 values of a four-level pattern; the highest score of the
    /// last thousand.
    fn late_score_on_a_pattern(d: &mut Contextual) -> f64 {
        let t = Timestamp::from_secs(0);
        let pattern = [0.0, 7.0, 3.0, 5.0];
        let mut late = 0.0f64;
        for i in 0..2000 {
            let s = d.update(t, pattern[i % 4]);
            if i > 1000 {
                late = late.max(s);
            }
        }
        late
    }

    #[test]
    fn a_repeating_pattern_is_learnt_and_a_new_level_is_not() {
        let mut d = ok(Contextual::params().rest(10).build());
        let late = late_score_on_a_pattern(&mut d);
        assert!(late < 0.5, "{late}");
        // No context predicted this level: the confirmed share is 0.
        let new = d.update(Timestamp::from_secs(0), 1.0);
        assert!(new >= 0.5 && new > late, "{new}");
    }

    #[test]
    fn any_number_of_active_contexts_carried_works() {
        // 0 carries none (the values' own facts only), 1 the single most
        // confirmed; all still learn the pattern.
        for max_active in [0, 1, 15] {
            let mut d = ok(Contextual::params().rest(10).max_active(max_active).build());
            let late = late_score_on_a_pattern(&mut d);
            assert!(late < 0.5, "max_active {max_active}: {late}");
        }
    }

    #[test]
    fn a_rest_period_follows_an_alarm() {
        let mut d = ok(Contextual::params().rest(20).build());
        let t = Timestamp::from_secs(0);
        for i in 0..1000 {
            d.update(t, (i % 2) as f64 * 7.0);
        }
        assert!(d.update(t, 3.0) > 0.0);
        for _ in 0..19 {
            assert_eq!(d.update(t, 3.0), 0.0);
        }
    }

    #[test]
    fn memory_stops_growing_at_its_cap() {
        let mut d = ok(Contextual::params().max_contexts(50).build());
        let t = Timestamp::from_secs(0);
        for i in 0..5000u64 {
            d.update(t, ((i * 7919) % 101) as f64);
        }
        assert!(d.memory.contexts.len() <= 50);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Contextual::params().bits(0).build().is_err());
        assert!(Contextual::params().bits(17).build().is_err());
        assert!(Contextual::params().max_left(0).build().is_err());
        assert!(Contextual::params().max_active(62).build().is_err());
        assert!(
            Contextual::params()
                .bits(16)
                .max_active(49)
                .build()
                .is_err()
        );
        assert!(Contextual::params().max_active(61).build().is_ok());
        assert!(Contextual::params().base_threshold(0.0).build().is_err());
        assert!(
            Contextual::params()
                .base_threshold(f64::NAN)
                .build()
                .is_err()
        );
        assert!(Contextual::params().rest(0).build().is_err());
        assert!(Contextual::params().max_contexts(0).build().is_err());
    }

    /// Series the score fingerprints below were recorded on: seeded noise,
    /// a random walk, a noisy daily-like cycle, and a NAB-like series (a
    /// noisy plateau with spikes, a level shift and a drift).
    fn series(kind: usize, seed: u64) -> Vec<f64> {
        let n = 6000;
        let noise = crate::forecast::seeded_noise(n, seed);
        match kind {
            0 => noise,
            1 => noise
                .iter()
                .scan(0.0, |acc, e| {
                    *acc += e;
                    Some(*acc)
                })
                .collect(),
            2 => (0..n)
                .map(|i| 50.0 + 20.0 * (i as f64 * std::f64::consts::TAU / 288.0).sin() + noise[i])
                .collect(),
            _ => (0..n)
                .map(|i| {
                    let base = if i < 3500 { 40.0 } else { 55.0 } + 0.001 * i as f64;
                    let spike = if i % 997 == 500 { 30.0 } else { 0.0 };
                    base + 2.0 * noise[i] + spike
                })
                .collect(),
        }
    }

    /// FNV-1a over the scores' bits: equal fingerprints, equal scores bit
    /// for bit.
    fn fingerprint(params: ContextualParams, xs: &[f64]) -> (u64, usize) {
        let mut d = ok(params.build());
        let t = Timestamp::from_secs(0);
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for &x in xs {
            h ^= d.update(t, x).to_bits();
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        (h, d.memory.contexts.len())
    }

    /// (Variant, series kind, fingerprint, contexts learnt) of each variant
    /// on the first values (as many as it says) of every kind of series.
    fn fingerprints(variants: &[(ContextualParams, usize)]) -> Vec<(usize, usize, u64, usize)> {
        let mut got = Vec::new();
        for (v, (params, n)) in variants.iter().enumerate() {
            for kind in 0..4 {
                let xs = series(kind, 7 + kind as u64);
                let (h, contexts) = fingerprint(params.clone(), &xs[..*n]);
                got.push((v, kind, h, contexts));
            }
        }
        got
    }

    #[test]
    fn scores_match_the_recorded_fingerprints() {
        let variants = [
            Contextual::params(),
            Contextual::params().rest(5),
            Contextual::params().rest(5).max_contexts(300),
            Contextual::params()
                .rest(5)
                .bits(4)
                .max_left(3)
                .max_active(5),
            Contextual::params().rest(5).range(0.0, 100.0).headroom(0.5),
        ]
        .map(|params| (params, 6000));
        let got = fingerprints(&variants);
        // Recorded with the detector that checked every crossed context.
        let want: &[(usize, usize, u64, usize)] = &[
            (0, 0, 14765431623864186259, 21570),
            (0, 1, 8299305179807797991, 6723),
            (0, 2, 2526496923353094931, 3897),
            (0, 3, 1790996558203008191, 13163),
            (1, 0, 16752498355035377934, 21570),
            (1, 1, 11019850865807113132, 6723),
            (1, 2, 16254096713228303400, 3897),
            (1, 3, 17627775462824429328, 13163),
            (2, 0, 14637780982853242387, 300),
            (2, 1, 8014384131718054761, 300),
            (2, 2, 7285449039820181868, 300),
            (2, 3, 12826138042584718246, 300),
            (3, 0, 13559663528217835261, 18083),
            (3, 1, 15467276559054635891, 3325),
            (3, 2, 11298084064934341829, 2633),
            (3, 3, 13333008092039383367, 10226),
            (4, 0, 3148562906753845221, 17),
            (4, 1, 10831153516405558781, 992),
            (4, 2, 3321318522298540643, 877),
            (4, 3, 16105450164686218023, 902),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn scores_with_large_groups_match_the_recorded_fingerprints() {
        // Groups of up to 64 facts use every bit of a crossing's marks.
        let variants = [
            (Contextual::params().rest(5).bits(16).max_active(48), 200),
            (Contextual::params().rest(5).max_active(40), 1000),
            (
                Contextual::params()
                    .rest(5)
                    .bits(5)
                    .max_active(30)
                    .max_contexts(2000),
                1000,
            ),
        ];
        let got = fingerprints(&variants);
        // Recorded with the detector that kept each semi-context's matched
        // facts in a list (no limit on the group).
        let want: &[(usize, usize, u64, usize)] = &[
            (0, 0, 3963855489475135685, 7990),
            (0, 1, 3963855489475135685, 6688),
            (0, 2, 3963855489475135685, 6234),
            (0, 3, 3963855489475135685, 8073),
            (1, 0, 3656777534834698435, 14470),
            (1, 1, 10777545135479577345, 4276),
            (1, 2, 7271799112427699475, 2529),
            (1, 3, 12894231486037487456, 11827),
            (2, 0, 17965114842533877944, 2000),
            (2, 1, 6158970484469162593, 2000),
            (2, 2, 16074415349892210234, 2000),
            (2, 3, 18235382708578508164, 2000),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_restored_detector_resumes_identically() {
        let xs = series(3, 11);
        let t = Timestamp::from_secs(0);
        let mut d = ok(Contextual::params().rest(5).build());
        for &x in &xs[..2000] {
            d.update(t, x);
        }
        let json = serde_json::to_string(&d).unwrap_or_else(|e| panic!("{e}"));
        let mut back: Contextual = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        for &x in &xs[2000..3000] {
            assert_eq!(d.update(t, x).to_bits(), back.update(t, x).to_bits());
        }
    }

    #[test]
    fn merged_lefts_are_in_order_once_each() {
        let mut out = Vec::new();
        merge_flagged(&[1, 3, 4, 9], &[0, 3, 5, 9, 12], &mut out);
        let want = [
            (0, true),
            (1, false),
            (3, true),
            (4, false),
            (5, true),
            (9, true),
            (12, true),
        ];
        assert_eq!(out, want);
        out.clear();
        merge_flagged(&[], &[], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_detector_with_full_memory_resumes_identically() {
        // Once memory is full, steps still make semi-contexts, and a step
        // can both make one and learn nothing.
        let xs = series(0, 3);
        let t = Timestamp::from_secs(0);
        let mut d = ok(Contextual::params().rest(5).max_contexts(200).build());
        for &x in &xs[..3000] {
            d.update(t, x);
        }
        assert_eq!(d.memory.contexts.len(), 200);
        let json = serde_json::to_string(&d).unwrap_or_else(|e| panic!("{e}"));
        let mut back: Contextual = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        for &x in &xs[3000..4500] {
            assert_eq!(d.update(t, x).to_bits(), back.update(t, x).to_bits());
        }
    }

    #[test]
    fn a_saved_detector_with_parameters_out_of_range_is_refused() {
        let d = ok(Contextual::params().build());
        let json = serde_json::to_string(&d).unwrap_or_else(|e| panic!("{e}"));
        assert!(json.contains("\"max_active\":15"), "{json}");
        let bad = json.replace("\"max_active\":15", "\"max_active\":62");
        let err = serde_json::from_str::<Contextual>(&bad).err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("max_active"), "{message}");
        let bad = json.replace("\"bits\":3", "\"bits\":40");
        assert!(serde_json::from_str::<Contextual>(&bad).is_err());
    }

    #[test]
    fn recalled_steps_score_as_computed_ones() {
        // A noisy cycle repeats its steps once learnt; a small memory cap
        // adds steps that fill memory without learning a context.
        let t = Timestamp::from_secs(0);
        for params in [Contextual::params(), Contextual::params().max_contexts(200)] {
            let mut recalling = ok(params.clone().rest(5).build());
            let mut computing = ok(params.rest(5).build());
            for x in series(2, 5) {
                computing.recall = Recall::default();
                let want = computing.update(t, x);
                assert_eq!(recalling.update(t, x).to_bits(), want.to_bits());
            }
            let recalled = recalling.recall.recalled;
            assert!(recalled > 1000, "{recalled} of 6000 recalled");
            assert_eq!(computing.recall.recalled, 0);
        }
    }
}
