from robocloud_desktop.cli import main

raise SystemExit(main())
