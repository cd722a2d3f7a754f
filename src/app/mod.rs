//! The TUI's state and reducer (Foundation 3). Empty until the TUI lands.
