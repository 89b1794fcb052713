package dev.anneal.helm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad values are refused before anything is rendered, by values.schema.json or by the chart's own
 * checks (templates/validate.yaml), with a message that names the key.
 */
class ValuesSchemaTest {

    @TempDir Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
            an unknown key               | replica: 3                                        | replica
            a misspelt role key          | api: {replica: 3}                                 | replica
            a negative replica count     | api: {replicas: -1}                               | /api/replicas
            an unknown operator          | kafka: {operator: confluent}                      | /kafka/operator
            running as root              | podSecurity: {runAsUser: 0}                       | /podSecurity/runAsUser
            a number as an env value     | extraEnv: [{name: X, value: 1}]                   | /extraEnv/0/value
            no memory limit              | tuner: {resources: {limits: {memory: null}}}       | memory
            an unknown security protocol | kafka: {external: {securityProtocol: TLS}}        | /kafka/external/securityProtocol
            single sign-on without issuer| sso: {enabled: true, clientSecret: s}              | /sso/issuerUrl
            an Ingress without hosts     | ingress: {enabled: true}                          | /ingress/hosts
            TLS without a Secret         | ingress: {enabled: true, hosts: [a.example.com], tls: {enabled: true}} | /ingress/tls/secretName
            an HPA without a target      | api: {autoscaling: {enabled: true, targetCPUUtilizationPercentage: 0}} | api.autoscaling.targetCPUUtilizationPercentage
            half the S3 credentials      | objectStore: {accessKeyId: AKIA}                  | objectStore
            a size Quarkus cannot read   | tuner: {memory: 48GiB}                             | /tuner/memory
            a rollout that cannot move   | api: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}} | api.rollingUpdate
            more replicas than brokers   | kafka: {operator: strimzi, strimzi: {replicas: 1}} | kafka.topics.replicationFactor
            """)
    void shouldRefuseValuesNamingTheKeyWhenTheyAreWrong(String what, String values, String key)
            throws IOException {
        Path file = dir.resolve("values.yaml");
        Files.writeString(file, values.strip() + "\n");

        assertThatThrownBy(() -> AnnealChart.template(file))
                .as(what)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(key);
    }
}
