from robocloud_desktop.launch import main

raise SystemExit(main())
