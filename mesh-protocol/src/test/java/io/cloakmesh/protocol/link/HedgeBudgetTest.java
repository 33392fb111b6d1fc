package io.cloakmesh.protocol.link;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HedgeBudgetTest {
    @Test
    void aBurstOfHedgesThenOneForEveryTenAnsweredOpens() {
        HedgeBudget budget = new HedgeBudget();
        for (int i = 0; i < HedgeBudget.BURST; i++) {
            assertTrue(budget.available(), "hedge " + i + " of the saved-up burst");
            budget.spend();
        }
        assertFalse(budget.available(), "the burst is spent");
        for (int i = 0; i < HedgeBudget.OPENS_PER_HEDGE - 1; i++) {
            budget.earned();
        }
        assertFalse(budget.available(), "nine answered opens do not pay for a hedge");
        budget.earned();
        assertTrue(budget.available());
        budget.spend();
        for (int i = 0; i < 1000; i++) {
            budget.earned();
        }
        for (int i = 0; i < HedgeBudget.BURST; i++) {
            budget.spend();
        }
        assertFalse(budget.available(), "no more than the burst is saved up, however many opens were answered");
    }
}
