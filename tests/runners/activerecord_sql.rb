# Migrate a folder of Rails migrations up with ActiveRecord (PostgreSQL, from libpq's environment:
# PGHOST, PGPORT, PGUSER, PGDATABASE) and print, as JSON, the SQL each migration sent, by file name:
#   ruby activerecord_sql.rb DIR
# The adapter's own queries (its catalog reads, transactions, advisory lock, schema_migrations) are left out.
require "active_record"
require "json"

ActiveRecord::Base.establish_connection(adapter: "postgresql", database: ENV.fetch("PGDATABASE"))
ActiveRecord::Migration.verbose = false
# strong_migrations' acknowledgement, as it defines it: the block runs as written
ActiveRecord::Migration.define_method(:safety_assured) { |&block| block.call }
sent = Hash.new { |h, k| h[k] = [] }
current = nil
ActiveSupport::Notifications.subscribe("sql.active_record") do |*, payload|
  next if current.nil? || %w[SCHEMA TRANSACTION].include?(payload[:name])
  next if payload[:sql] =~ /schema_migrations|ar_internal_metadata|pg_try_advisory_lock|pg_advisory_unlock/
  sent[current] << payload[:sql]
end
context = ActiveRecord::MigrationContext.new(ARGV.fetch(0), ActiveRecord::SchemaMigration)
context.migrations.each do |proxy|
  current = File.basename(proxy.filename)
  sent[current]
  ActiveRecord::Migrator.new(:up, [proxy], ActiveRecord::SchemaMigration).migrate
  current = nil
end
$stdout.write(JSON.generate(sent))
