package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JavaKvPoolTest {

    private static final long ENOUGH = 1L << 30;

    @Test
    void newArraysHaveTheShapeAndARoundedCapacity() {
        JavaKvPool pool = new JavaKvPool(2, 3, 4, ENOUGH);
        JavaKvPool.Arrays a = pool.take(5, 130);
        assertThat(a.capacity()).isEqualTo(2 * JavaKvPool.CAPACITY_STEP);
        assertThat(a.keys()).hasNumberOfRows(2);
        assertThat(a.keys()[0]).hasSize(5 * 3 * 4 * a.capacity());
        assertThat(a.values()[1]).hasSize(5 * 3 * a.capacity() * 4);
        assertThat(a.bytes()).isEqualTo(2L * 2 * 4 * (5 * 3 * 4) * a.capacity());
    }

    @Test
    void givenArraysServeTheNextCacheOfTheSameBatchThatFits() {
        JavaKvPool pool = new JavaKvPool(2, 3, 4, ENOUGH);
        JavaKvPool.Arrays a = pool.take(2, 300);
        pool.give(a);
        assertThat(pool.take(3, 300)).as("another batch size").isNotSameAs(a);
        assertThat(pool.take(2, 400)).as("too small").isNotSameAs(a);
        assertThat(pool.take(2, 10)).as("wastes too much").isNotSameAs(a);
        assertThat(pool.take(2, 290)).isSameAs(a);
        assertThat(pool.take(2, 290)).as("taken once only").isNotSameAs(a);
    }

    @Test
    void theClosestFitIsTaken() {
        JavaKvPool pool = new JavaKvPool(1, 1, 8, ENOUGH);
        JavaKvPool.Arrays longer = pool.take(1, 300);
        JavaKvPool.Arrays closer = pool.take(1, 200);
        pool.give(closer);
        pool.give(longer);
        assertThat(pool.take(1, 190)).isSameAs(closer);
        assertThat(pool.take(1, 190)).isSameAs(longer);
    }

    @Test
    void keepsNoMoreThanTheBudget() {
        JavaKvPool probe = new JavaKvPool(1, 1, 8, ENOUGH);
        long one = probe.take(1, 100).bytes();
        JavaKvPool pool = new JavaKvPool(1, 1, 8, 2 * one);
        JavaKvPool.Arrays a = pool.take(1, 100);
        JavaKvPool.Arrays b = pool.take(1, 100);
        JavaKvPool.Arrays c = pool.take(1, 100);
        pool.give(a);
        pool.give(b);
        pool.give(c);
        // the newest two are kept, the oldest dropped
        assertThat(pool.take(1, 100)).isSameAs(c);
        assertThat(pool.take(1, 100)).isSameAs(b);
        assertThat(pool.take(1, 100)).isNotSameAs(a);
    }
}
