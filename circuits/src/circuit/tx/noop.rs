//! `Noop`: padding. A Noop slot writes no leaf and absorbs no public data, so it leaves the
//! accounts root and the commitment unchanged; it has no assertions of its own: the slot
//! passes its inputs through because no other type's selector is set.
