from acemath.cli import main

raise SystemExit(main())
