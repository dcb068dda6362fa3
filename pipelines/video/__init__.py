"""Video remix: shots, plans, speech, subtitles, music and ffmpeg rendering."""
