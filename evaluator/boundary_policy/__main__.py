from boundary_policy.cli import main

main()
