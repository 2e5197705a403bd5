from mute.cli import main

raise SystemExit(main())
