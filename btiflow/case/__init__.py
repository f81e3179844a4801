"""One child's case: entries, state, rules and the pure decision core."""
