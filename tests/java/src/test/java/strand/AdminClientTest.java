package strand;

import java.time.Duration;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh broker and an AdminClient on it for every test of the admin test classes. */
abstract class AdminClientTest {
    protected StrandBroker strand;
    protected Admin admin;

    @BeforeEach
    void start() throws Exception {
        strand = StrandBroker.start();
        admin = strand.admin();
    }

    @AfterEach
    void stop() throws Exception {
        admin.close(Duration.ofSeconds(5));
        strand.close();
    }

    /** What an admin future failed with. */
    static Throwable cause(ExecutionException e) {
        return e.getCause();
    }
}
