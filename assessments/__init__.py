"""Assessment kinds (quiz, role-play, 360, …), each behind the one interface in `registry`."""
