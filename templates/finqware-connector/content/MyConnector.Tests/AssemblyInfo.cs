// One PostgreSQL and one RabbitMQ for the whole test run: from FINQWARE_TEST_POSTGRES / FINQWARE_TEST_RABBITMQ, else
// Docker, else local servers (PostgreSQL and RabbitMQ installed on the machine). Each connector gets its own database
// and virtual host.
[assembly: AssemblyFixture(typeof(Finqware.Testing.PostgresServerFixture))]
[assembly: AssemblyFixture(typeof(Finqware.Testing.RabbitMqFixture))]
