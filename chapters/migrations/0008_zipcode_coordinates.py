"""ZIP codes get their centroid from `zipcodes`, for the distance to events near a ZIP."""

from django.db import migrations, models


def fill(apps, schema_editor) -> None:
    import zipcodes

    rows = [(z["zip_code"], float(z["lat"]), float(z["long"])) for z in zipcodes.list_all() if z["lat"] and z["long"]]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE zip_coordinates (code varchar(5), latitude float8, longitude float8)")
        with cursor.copy("COPY zip_coordinates (code, latitude, longitude) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "UPDATE chapters_zipcode z SET latitude = c.latitude, longitude = c.longitude "
            "FROM zip_coordinates c WHERE c.code = z.code"
        )
        cursor.execute("DROP TABLE zip_coordinates")


class Migration(migrations.Migration):
    dependencies = [("chapters", "0007_text_refuses_control_characters")]

    operations = [
        migrations.AddField("zipcode", "latitude", models.FloatField(blank=True, null=True)),
        migrations.AddField("zipcode", "longitude", models.FloatField(blank=True, null=True)),
        migrations.AddIndex("zipcode", models.Index(fields=["latitude", "longitude"], name="zipcode_coordinates_idx")),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
