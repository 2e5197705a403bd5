from quota_lookup.cli import main

raise SystemExit(main())
