from flowdocs.cli import main

main()
