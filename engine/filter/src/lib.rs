//! `engine-filter`: the Falco condition language.
