package strand;

import java.time.Duration;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh broker and an AdminClient on it for every test of the admin test classes. */
abstract class AdminClientTest extends BrokerTest {
    protected Admin admin;

    // JUnit runs a superclass's @BeforeEach first and its @AfterEach last.
    @BeforeEach
    void startAdmin() throws Exception {
        admin = strand.admin();
    }

    @AfterEach
    void stopAdmin() throws Exception {
        admin.close(Duration.ofSeconds(5));
    }

    /** What an admin future failed with. */
    static Throwable cause(ExecutionException e) {
        return e.getCause();
    }
}
