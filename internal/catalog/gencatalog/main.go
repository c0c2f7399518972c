// Command gencatalog writes iotapitest's catalog from the golden fixtures.
// Run it through go generate in iotapitest.
package main

import (
	"log"
	"os"

	"github.com/iotapi/iotapi/internal/catalog"
)

func main() {
	src, err := catalog.Generate("..")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("catalog_gen.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
