"""CycleGAN Studio's desktop app (PySide6). All Qt lives here; training logic stays in engine/."""
