int mowe_ui_placeholder() { return 0; }
