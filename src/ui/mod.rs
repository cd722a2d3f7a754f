//! Rendering of `AppState` (Foundation 3). Empty until the TUI lands.
