package strand;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh strand broker for every test of a test class. */
abstract class BrokerTest {
    protected StrandBroker strand;

    @BeforeEach
    void startBroker() throws Exception {
        strand = StrandBroker.start();
    }

    @AfterEach
    void stopBroker() throws Exception {
        strand.close();
    }
}
