from caselib.cli import main

main()
