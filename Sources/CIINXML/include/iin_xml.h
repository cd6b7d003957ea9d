#ifndef IIN_XML_H
#define IIN_XML_H

/* A SAX push parser over libxml2, behind an API that exposes no libxml2
 * types. libxml2's headers include the system's ICU headers, which clash
 * with the ICU inside the Swift toolchain's Foundation; keeping them inside
 * this C target keeps them out of every Swift module. */

typedef struct iin_xml_parser iin_xml_parser;

/* attributes: count triples of (local name, value start, value end). */
typedef void (*iin_xml_start)(void *user, const unsigned char *name, int count, const unsigned char **attributes);
typedef void (*iin_xml_end)(void *user, const unsigned char *name);
typedef void (*iin_xml_text)(void *user, const unsigned char *text, int length);

/* Only element and text callbacks are set: no DTD, entity or external
 * resource is loaded or expanded, and network access is off. */
iin_xml_parser *iin_xml_create(void *user, iin_xml_start start, iin_xml_end end, iin_xml_text text, const char *name);
/* 0 on success. */
int iin_xml_feed(iin_xml_parser *parser, const char *bytes, int length, int terminate);
/* The last error's message and line, or NULL. */
const char *iin_xml_error(iin_xml_parser *parser, int *line);
void iin_xml_free(iin_xml_parser *parser);

#endif
