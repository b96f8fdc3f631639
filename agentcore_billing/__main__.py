from agentcore_billing.cli import main

main()
