//! `scap`: capture files, event views and the ring consumer.
