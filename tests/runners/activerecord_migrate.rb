# Run a folder of Rails migrations with ActiveRecord, as `bin/rails db:migrate` would.
#   ruby activerecord_migrate.rb up   DIR            # every pending migration
#   ruby activerecord_migrate.rb down DIR VERSION    # back down to VERSION (0: all)
# The database comes from libpq's environment (PGHOST, PGPORT, PGUSER, PGDATABASE).
require "active_record"

ActiveRecord::Base.establish_connection(adapter: "postgresql", database: ENV.fetch("PGDATABASE"))
ActiveRecord::Migration.verbose = false
context = ActiveRecord::MigrationContext.new(ARGV.fetch(1), ActiveRecord::SchemaMigration)
case ARGV.fetch(0)
when "up" then context.migrate
when "down" then context.migrate(Integer(ARGV.fetch(2), 10))
else abort "usage: up DIR | down DIR VERSION"
end
