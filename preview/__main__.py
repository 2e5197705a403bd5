from preview.cli import main

raise SystemExit(main())
