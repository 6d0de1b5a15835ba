package strand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.DuplicateResourceException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * ACLs (SECURITY_DISABLED: no authorizer, as Kafka's default) and SCRAM
 * credentials through the Java AdminClient.
 */
class SecurityAdminTest extends SharedBrokerTest {
    private static final AclBinding READ_EVENTS = new AclBinding(
            new ResourcePattern(ResourceType.TOPIC, "events", PatternType.LITERAL),
            new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));

    private static void assertSecurityDisabled(String message, ExecutionException e) {
        assertInstanceOf(SecurityDisabledException.class, cause(e));
        assertEquals(message, cause(e).getMessage());
    }

    @Test
    void acls_need_an_authorizer() {
        // Kafka words DescribeAcls' refusal differently from the other two.
        assertSecurityDisabled("No Authorizer is configured on the broker", assertThrows(ExecutionException.class,
                () -> admin.describeAcls(AclBindingFilter.ANY).values().get(20, TimeUnit.SECONDS)));
        assertSecurityDisabled("No Authorizer is configured.", assertThrows(ExecutionException.class,
                () -> admin.createAcls(List.of(READ_EVENTS)).all().get(20, TimeUnit.SECONDS)));
        assertSecurityDisabled("No Authorizer is configured.", assertThrows(ExecutionException.class,
                () -> admin.deleteAcls(List.of(AclBindingFilter.ANY)).all().get(20, TimeUnit.SECONDS)));
        assertSecurityDisabled("No Authorizer is configured.", assertThrows(ExecutionException.class,
                () -> admin.deleteAcls(List.of(READ_EVENTS.toFilter())).all().get(20, TimeUnit.SECONDS)));
    }

    private Map<String, UserScramCredentialsDescription> describe(List<String> users) throws Exception {
        return admin.describeUserScramCredentials(users).all().get(20, TimeUnit.SECONDS);
    }

    @Test
    void scram_credentials_upserted_described_and_deleted() throws Exception {
        String alice = unique("alice");
        String bob = unique("bob");
        // One alteration per user and request: a second for the same user is refused.
        ExecutionException twice = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(List.of(
                new UserScramCredentialUpsertion(alice, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                        "alice-secret"),
                new UserScramCredentialUpsertion(alice, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                        "alice-secret"))).all().get(20, TimeUnit.SECONDS));
        assertInstanceOf(DuplicateResourceException.class, cause(twice));
        assertEquals("A user credential cannot be altered twice in the same request", cause(twice).getMessage());
        assertNotFound(alice);

        admin.alterUserScramCredentials(List.of(
                new UserScramCredentialUpsertion(alice, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                        "alice-secret"),
                new UserScramCredentialUpsertion(bob, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                        "bob-secret"))).all().get(20, TimeUnit.SECONDS);
        admin.alterUserScramCredentials(List.of(
                new UserScramCredentialUpsertion(alice, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                        "alice-secret"))).all().get(20, TimeUnit.SECONDS);
        await(2, () -> describeQuietly(List.of(alice)).get(alice).credentialInfos().size(), "alice's mechanisms");
        Map<String, UserScramCredentialsDescription> both = describe(List.of(alice, bob));
        assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)),
                both.get(alice).credentialInfos().stream()
                        .sorted((a, b) -> a.mechanism().compareTo(b.mechanism())).toList());
        assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)),
                both.get(bob).credentialInfos());
        // Every user, when none is named.
        Map<String, UserScramCredentialsDescription> all =
                admin.describeUserScramCredentials().all().get(20, TimeUnit.SECONDS);
        assertTrue(all.keySet().containsAll(List.of(alice, bob)), all.keySet().toString());

        // Deleting one mechanism leaves the other; deleting the last leaves no user.
        admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(alice, ScramMechanism.SCRAM_SHA_256),
                new UserScramCredentialDeletion(bob, ScramMechanism.SCRAM_SHA_512))).all().get(20, TimeUnit.SECONDS);
        await(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)),
                () -> describeQuietly(List.of(alice)).get(alice).credentialInfos(), "alice after a delete");
        await(false, () -> describeQuietly(List.of()).containsKey(bob), "bob listed after his last delete");
        assertNotFound(bob);
    }

    /** A named user without credentials: all() lists it with none, its description() fails. */
    private void assertNotFound(String user) throws Exception {
        assertEquals(List.of(), describe(List.of(user)).get(user).credentialInfos());
        ExecutionException e = assertThrows(ExecutionException.class, () -> admin
                .describeUserScramCredentials(List.of(user)).description(user).get(20, TimeUnit.SECONDS));
        assertInstanceOf(ResourceNotFoundException.class, cause(e));
        assertEquals("Attempt to describe a user credential that does not exist: " + user, cause(e).getMessage());
    }

    private Map<String, UserScramCredentialsDescription> describeQuietly(List<String> users) {
        try {
            return describe(users);
        } catch (ExecutionException e) {
            return Map.of();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void scram_refusals() throws Exception {
        String carol = unique("carol");
        assertNotFound(carol);
        // Fewer iterations than SCRAM's minimum (4096).
        ExecutionException few = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                List.of(new UserScramCredentialUpsertion(carol,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 1000), "pw"))).all()
                .get(20, TimeUnit.SECONDS));
        assertInstanceOf(UnacceptableCredentialException.class, cause(few));
        assertEquals("Too few iterations", cause(few).getMessage());
        // More than its maximum (16384).
        ExecutionException many = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                List.of(new UserScramCredentialUpsertion(carol,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 20000), "pw"))).all()
                .get(20, TimeUnit.SECONDS));
        assertInstanceOf(UnacceptableCredentialException.class, cause(many));
        assertEquals("Too many iterations", cause(many).getMessage());
        ExecutionException empty = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                List.of(new UserScramCredentialUpsertion("",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "pw"))).all()
                .get(20, TimeUnit.SECONDS));
        assertInstanceOf(UnacceptableCredentialException.class, cause(empty));
        assertEquals("Username must not be empty", cause(empty).getMessage());
        // Deleting a credential the user does not have.
        ExecutionException none = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                List.of(new UserScramCredentialDeletion(carol, ScramMechanism.SCRAM_SHA_256))).all()
                .get(20, TimeUnit.SECONDS));
        assertInstanceOf(ResourceNotFoundException.class, cause(none));
        assertEquals("Attempt to delete a user credential that does not exist", cause(none).getMessage());
        Thread.sleep(300);
        assertNotFound(carol);
    }
}
