import CrumbsCommandLine

CrumbsCommand.main()
